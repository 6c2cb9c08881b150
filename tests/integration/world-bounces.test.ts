/**
 * Failures and the bounces they cause: RFC 3464 reports mailed back with MAIL FROM:<> over a
 * recorded hop into the sender's mailbox, read back with postal-mime as any mail client would.
 */
import PostalMime, { type Email } from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parameter } from '../../core/mail/header-fields';
import { LATE_BOUNCE_DELAY_MS, MAX_DELIVERY_ATTEMPTS, RETRY_BASE_MS } from '../../core/world/world-definition';
import { clientLines, startWorld, type WorldLab } from './world-harness';

let lab: WorldLab;
beforeAll(async () => {
  lab = await startWorld();
});
afterAll(() => lab.close());

/** The newest bounce in a mailbox, parsed, with its machine-readable part as text. */
async function latestBounce(address: string): Promise<{ mail: Email; status: string; returned: { contentType: string; text: string } }> {
  const messages = lab.world.mailbox(address);
  const raw = messages.at(-1)?.raw;
  if (!raw) throw new Error(`no mail for ${address}`);
  // The parts of a report stay attachments: postal-mime keeps evidence out of the text.
  const mail = await PostalMime.parse(raw, { attachmentEncoding: 'utf8' });
  const status = mail.attachments.find((a) => a.mimeType === 'message/delivery-status');
  const returned = mail.attachments.find((a) => a.mimeType === 'message/rfc822' || a.mimeType === 'text/rfc822-headers');
  return { mail, status: String(status?.content ?? ''), returned: { contentType: returned?.mimeType ?? '', text: String(returned?.content ?? '') } };
}

/** The per-recipient blocks of a delivery-status body, as field maps. */
function recipientBlocks(status: string): Array<Record<string, string>> {
  return status
    .split(/\r?\n\r?\n/)
    .slice(1)
    .filter((block) => block.trim())
    .map((block) => Object.fromEntries(block.split(/\r?\n/).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()])));
}

describe('bounces', () => {
  it('partial RCPT failure: alice gets the mail, the unknown user bounces back to the sender', async () => {
    const before = lab.world.mailbox('learner@lab.test').length;
    const queueId = await lab.submit({ to: ['alice@example.test', 'nobody@example.test'], subject: 'partly' });
    const outcomes = Object.fromEntries(lab.eventsOf('recipient', queueId).map((e) => [e.recipient, [e.outcome, e.response]]));
    expect(outcomes['alice@example.test']?.[0]).toBe('delivered');
    expect(outcomes['nobody@example.test']).toEqual(['failed', '550 5.1.1 No such user here']);
    expect(lab.world.mailbox('alice@example.test').some((m) => m.raw.includes('Subject: partly'))).toBe(true);

    const [bounce] = lab.eventsOf('bounce', queueId);
    expect(bounce).toMatchObject({ to: 'learner@lab.test', recipients: ['nobody@example.test'], reportingMta: 'smtp.lab.test' });
    const [hop] = lab.hopsOf(bounce!.bounceQueueId);
    expect(hop?.hop).toMatchObject({ hop: 2, kind: 'bounce', host: 'mx.lab.test' });
    expect(clientLines(hop!).find((line) => line.startsWith('MAIL FROM:'))).toMatch(/^MAIL FROM:<>( |$)/);
    expect(lab.world.mailbox('learner@lab.test')).toHaveLength(before + 1);
    // A bounce's envelope sender is empty, and its final delivery says so.
    expect(lab.world.mailbox('learner@lab.test').at(-1)?.raw.toString('utf8')).toMatch(/^Return-Path: <>\r\n/);
  });

  it('the bounce is a delivery-status report a mail client reads: Status, Final-Recipient, Diagnostic-Code', async () => {
    const { mail, status, returned } = await latestBounce('learner@lab.test');
    const contentType = mail.headers.find((header) => header.key === 'content-type')?.value ?? '';
    expect(contentType).toMatch(/^multipart\/report;/);
    expect(parameter(contentType, 'report-type')).toBe('delivery-status');
    expect(mail.subject).toBe('Undelivered Mail Returned to Sender');
    expect(mail.from?.address).toBe('MAILER-DAEMON@smtp.lab.test');
    expect(mail.text).toContain('<nobody@example.test>: host mx.example.test said: 550 5.1.1 No such user here');
    expect(status).toMatch(/^Reporting-MTA: dns; smtp\.lab\.test\r?\n/);
    expect(status).toMatch(/Arrival-Date: \w{3}, \d+ \w{3} \d{4}/);
    expect(recipientBlocks(status)).toEqual([
      expect.objectContaining({
        'Final-Recipient': 'rfc822; nobody@example.test',
        Action: 'failed',
        Status: '5.1.1',
        'Remote-MTA': 'dns; mx.example.test',
        'Diagnostic-Code': 'smtp; 550 5.1.1 No such user here',
      }),
    ]);
    // RET was not given: the whole original comes back.
    expect(returned.contentType).toBe('message/rfc822');
    expect(returned.text).toContain('Subject: partly');
  });

  it('null MX: bounces at once with 5.1.10, without trying to connect anywhere', async () => {
    const queueId = await lab.submit({ to: ['gina@nullmx.test'] });
    expect(lab.eventsOf('dns.lookup', queueId)[0]?.answer).toMatchObject({ kind: 'null-mx', records: [{ preference: 0, exchange: '.' }], candidates: [] });
    expect(lab.eventsOf('dns.lookup', queueId)[0]?.chosen).toBeNull();
    expect(lab.eventsOf('relay.connecting', queueId)).toHaveLength(0);
    expect(lab.hopsOf(queueId)).toHaveLength(0);
    const { status } = await latestBounce('learner@lab.test');
    expect(recipientBlocks(status)[0]).toMatchObject({ 'Final-Recipient': 'rfc822; gina@nullmx.test', Status: '5.1.10' });
    // No server said it: the relay's own diagnostic, with the code RFC 7505 gives it.
    expect(recipientBlocks(status)[0]?.['Diagnostic-Code']).toBe('X-Lab; 556 5.1.10 Recipient domain publishes a null MX and accepts no mail');
    expect(recipientBlocks(status)[0]?.['Remote-MTA']).toBeUndefined();
  });

  it('small.test refuses a message over its SIZE with 552 5.3.4, and it bounces', async () => {
    const queueId = await lab.submit({ to: ['hal@small.test'], text: `${'x'.repeat(76)}\n`.repeat(200) });
    const [result] = lab.eventsOf('recipient', queueId);
    expect(result).toMatchObject({ outcome: 'failed', status: '5.3.4' });
    expect(result?.response).toMatch(/^552 5\.3\.4 /);
    const { status } = await latestBounce('learner@lab.test');
    expect(recipientBlocks(status)[0]).toMatchObject({ 'Final-Recipient': 'rfc822; hal@small.test', Status: '5.3.4' });
    expect(lab.world.mailbox('hal@small.test')).toHaveLength(0);
  });

  it('a small message still fits small.test', async () => {
    await lab.submit({ to: ['ivy@small.test'] });
    expect(lab.world.mailbox('ivy@small.test')).toHaveLength(1);
  });

  it('NOTIFY=NEVER: the relay passes it on and no bounce comes back', async () => {
    const before = lab.world.mailbox('learner@lab.test').length;
    const queueId = lab.world.enqueue({ raw: Buffer.from('Subject: quiet\r\n\r\nhi\r\n'), envelopeFrom: 'learner@lab.test', envelopeTo: [{ address: 'nobody@example.test', notify: ['NEVER'] }] });
    await lab.world.settled();
    expect(lab.eventsOf('recipient', queueId).map((e) => e.outcome)).toEqual(['failed', 'suppressed']);
    expect(clientLines(lab.hopsOf(queueId)[0]!)).toContain('RCPT TO:<nobody@example.test> NOTIFY=NEVER');
    expect(lab.eventsOf('bounce', queueId)).toHaveLength(0);
    expect(lab.world.mailbox('learner@lab.test')).toHaveLength(before);
  });

  it('RET=HDRS: the bounce returns only the headers, and ENVID comes back as Original-Envelope-Id', async () => {
    const raw = Buffer.from('Subject: headers only\r\nFrom: learner@lab.test\r\n\r\nsecret body\r\n');
    const queueId = lab.world.enqueue({ raw, envelopeFrom: 'learner@lab.test', envelopeTo: ['nobody@example.test'], dsn: { ret: 'HDRS', envid: 'lab-envid-1' } });
    await lab.world.settled();
    expect(clientLines(lab.hopsOf(queueId)[0]!).find((line) => line.startsWith('MAIL FROM:'))).toMatch(/^MAIL FROM:<learner@lab\.test> .*RET=HDRS ENVID=lab-envid-1/);
    const { status, returned } = await latestBounce('learner@lab.test');
    expect(status).toContain('Original-Envelope-Id: lab-envid-1');
    expect(returned.contentType).toBe('text/rfc822-headers');
    expect(returned.text).toContain('Subject: headers only');
    expect(returned.text).not.toContain('secret body');
  });

  it('tempfail@ is retried with growing waits, then bounces with its 4.x.x status once the attempts are used up', async () => {
    const queueId = await lab.submit({ to: ['tempfail@example.test'] });
    const first = lab.eventsOf('recipient', queueId)[0];
    expect(first).toMatchObject({ outcome: 'deferred', status: '4.3.0' });
    await lab.world.clock.fastForward(RETRY_BASE_MS * 2 ** MAX_DELIVERY_ATTEMPTS);
    await lab.world.settled();
    const results = lab.eventsOf('recipient', queueId);
    expect(results.map((e) => e.outcome)).toEqual([...Array(MAX_DELIVERY_ATTEMPTS - 1).fill('deferred'), 'failed']);
    const waits = results.slice(0, -1).map((e) => e.retryAt! - e.at);
    expect(waits).toEqual(waits.map((_, i) => RETRY_BASE_MS * 2 ** i));
    const { status } = await latestBounce('learner@lab.test');
    expect(recipientBlocks(status)[0]).toMatchObject({ 'Final-Recipient': 'rfc822; tempfail@example.test', Action: 'failed', Status: '4.3.0' });
  });

  it('full@ gets 452 4.2.2 and is retried', async () => {
    const queueId = await lab.submit({ to: ['full@example.test'] });
    expect(lab.eventsOf('recipient', queueId)[0]).toMatchObject({ outcome: 'deferred', status: '4.2.2', response: '452 4.2.2 Mailbox full, try again later' });
  });

  it('bounce@ takes the mail with 250, and its host bounces it later', async () => {
    const queueId = await lab.submit({ to: ['bounce@example.test'], subject: 'late' });
    expect(lab.eventsOf('recipient', queueId)[0]?.outcome).toBe('delivered');
    const bouncesBefore = lab.eventsOf('bounce').length;
    await lab.world.clock.fastForward(LATE_BOUNCE_DELAY_MS);
    await lab.world.settled();
    const bounce = lab.eventsOf('bounce').at(-1);
    expect(lab.eventsOf('bounce')).toHaveLength(bouncesBefore + 1);
    expect(bounce).toMatchObject({ reportingMta: 'mx.example.test', to: 'learner@lab.test', recipients: ['bounce@example.test'] });
    expect(lab.hopsOf(bounce!.bounceQueueId)[0]?.hop.client.name).toBe('mx.example.test');
    const { status, returned } = await latestBounce('learner@lab.test');
    expect(status).toContain('Reporting-MTA: dns; mx.example.test');
    expect(returned.text).toContain('Subject: late');
  });
});

describe('delivery reports a sender asked for (RFC 3461 NOTIFY, RFC 3464)', () => {
  const notifying = (to: string, notify: string[], subject: string) =>
    lab.world.enqueue({ raw: Buffer.from(`From: learner@lab.test\r\nSubject: ${subject}\r\n\r\nsecret body\r\n`), envelopeFrom: 'learner@lab.test', envelopeTo: [{ address: to, notify }] });

  it('NOTIFY=SUCCESS: the relay passes it on, and the host that advertised DSN reports the delivery', async () => {
    const before = lab.world.mailbox('learner@lab.test').length;
    const queueId = notifying('carol@example.test', ['SUCCESS'], 'tell me');
    await lab.world.settled();
    expect(clientLines(lab.hopsOf(queueId)[0]!)).toContain('RCPT TO:<carol@example.test> NOTIFY=SUCCESS');
    expect(lab.world.mailbox('carol@example.test').at(-1)?.raw.toString('utf8')).toContain('Subject: tell me');
    expect(lab.world.mailbox('learner@lab.test')).toHaveLength(before + 1);
    const { mail, status, returned } = await latestBounce('learner@lab.test');
    expect(mail.subject).toBe('Successful Mail Delivery Report');
    expect(status).toContain('Reporting-MTA: dns; mx.example.test');
    expect(recipientBlocks(status)[0]).toMatchObject({ 'Final-Recipient': 'rfc822; carol@example.test', Action: 'delivered', Status: '2.0.0' });
    // A success report returns the headers only.
    expect(returned.contentType).toBe('text/rfc822-headers');
    expect(returned.text).not.toContain('secret body');
  });

  it('no report when the sender did not ask for one', async () => {
    const before = lab.world.mailbox('learner@lab.test').length;
    notifying('carol@example.test', ['FAILURE'], 'quiet');
    await lab.world.settled();
    expect(lab.world.mailbox('learner@lab.test')).toHaveLength(before);
  });

  it('NOTIFY=DELAY: one "delayed" report when the first attempt is deferred, none for the retries', async () => {
    const before = lab.world.mailbox('learner@lab.test').length;
    const queueId = notifying('dora@greylist.test', ['DELAY', 'FAILURE'], 'waiting');
    await lab.world.settled();
    expect(lab.eventsOf('recipient', queueId)[0]).toMatchObject({ outcome: 'deferred', status: '4.7.1' });
    expect(lab.world.mailbox('learner@lab.test')).toHaveLength(before + 1);
    const { mail, status } = await latestBounce('learner@lab.test');
    expect(mail.subject).toBe('Delayed Mail (still being retried)');
    expect(recipientBlocks(status)[0]).toMatchObject({
      'Final-Recipient': 'rfc822; dora@greylist.test',
      Action: 'delayed',
      Status: '4.7.1',
      'Diagnostic-Code': 'smtp; 451 4.7.1 Greylisted: please try again later',
    });
    await lab.world.clock.fastForward(RETRY_BASE_MS * 4);
    await lab.world.settled();
    expect(lab.eventsOf('recipient', queueId).at(-1)?.outcome).toBe('delivered');
    expect(lab.world.mailbox('learner@lab.test')).toHaveLength(before + 1);
  });
});
