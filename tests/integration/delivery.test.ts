import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ATTACHMENT_BYTES } from '../../core/protocol/delivery';
import { ComposeError, type Lab } from '../../bridge/lab/lab-types';
import { form, Watch } from './delivery-support';
import { startLab } from './smtp-client';

let lab: Lab;
let stop: () => Promise<void>;
let watch: Watch;

beforeAll(async () => {
  ({ lab, stop } = await startLab());
  watch = new Watch(lab);
});
afterAll(async () => {
  watch.stop();
  await stop();
});

describe('sending from the compose form at once', () => {
  it('submission: STARTTLS, AUTH PLAIN 235, 250 queued; the message is stored with its Received: header', async () => {
    const started = await lab.send(form({ subject: 'Over submission' }), { profile: 'submission' }, 'instant');
    expect(started).toMatchObject({ mode: 'instant', profile: 'submission', outcome: null, endedAt: null });
    const done = await watch.ended(started);
    expect(done.outcome).toBe('accepted');
    expect(done.response).toMatch(/^250 2\.\d\.\d Ok: queued as \w+/);
    expect(done.queueId).toBe(/queued as (\w+)/.exec(done.response ?? '')?.[1]);
    expect(done.messageId).toBe(done.queueId);
    expect(lab.listDeliveries().find((d) => d.id === started.id)).toEqual(done);

    const client = watch.lines(done, 'client').map((line) => line.text);
    const server = watch.lines(done, 'server').map((line) => line.text);
    expect(client.slice(0, 3)).toEqual(['EHLO compose.lab.test', 'STARTTLS', 'EHLO compose.lab.test']);
    expect(client[3]).toMatch(/^AUTH PLAIN /);
    expect(server).toContain('235 2.7.0 Authentication successful');
    expect(watch.lines(done, 'client').slice(2).every((line) => line.tls)).toBe(true);

    const message = lab.listMessages().find((m) => m.id === done.messageId);
    expect(message).toMatchObject({ subject: 'Over submission', conversation: done.conversation, envelopeTo: ['friend@lab.test'] });
    const raw = lab.getRawMessage(done.messageId ?? '')?.toString() ?? '';
    expect(raw).toMatch(/^Received: from compose\.lab\.test \(\[127\.0\.0\.1\]\)\r\n\tby smtp\.lab\.test \(SMTP Lab\)\r\n\twith ESMTPSA \(TLSv1\.3, /);
    expect(lab.listConversations().find((c) => c.id === done.conversation)?.origin).toBe('compose');
  });

  it('smtps: TLS from the first byte, every line marked as encrypted', async () => {
    const done = await watch.ended(await lab.send(form({ subject: 'Over implicit TLS' }), { profile: 'smtps' }, 'instant'));
    expect(done.outcome).toBe('accepted');
    const lines = watch.events(done).filter((event) => event.dir !== 'info');
    expect(lines[0]?.text).toMatch(/^220 /);
    expect(lines.every((line) => line.tls)).toBe(true);
    expect(lines.some((line) => line.text === 'STARTTLS')).toBe(false);
    expect(lab.getRawMessage(done.messageId ?? '')?.toString()).toMatch(/with ESMTPSA \(TLSv1\.3/);
  });

  it('plain: no TLS and no AUTH, as on port 25', async () => {
    const done = await watch.ended(await lab.send(form({ subject: 'In the clear' }), { profile: 'plain' }, 'instant'));
    expect(done.outcome).toBe('accepted');
    const client = watch.lines(done, 'client');
    expect(client.some((line) => line.text === 'STARTTLS' || line.text.startsWith('AUTH'))).toBe(false);
    expect(client.every((line) => !line.tls)).toBe(true);
    expect(lab.getRawMessage(done.messageId ?? '')?.toString()).toMatch(/\twith ESMTP\r\n/);
  });

  it('cc, bcc, html and an attachment arrive; Bcc stays out of the headers', async () => {
    const attachment = { filename: 'note.txt', contentType: 'text/plain', contentBase64: Buffer.from('attached words').toString('base64') };
    const done = await watch.ended(
      await lab.send(form({ cc: ['cc@lab.test'], bcc: ['hidden@lab.test'], html: '<p>Hi</p>', attachments: [attachment] }), { profile: 'submission' }, 'instant'),
    );
    expect(done.outcome).toBe('accepted');
    const message = lab.listMessages().find((m) => m.id === done.messageId);
    expect(message?.envelopeTo).toEqual(['friend@lab.test', 'cc@lab.test', 'hidden@lab.test']);
    const raw = lab.getRawMessage(done.messageId ?? '')?.toString() ?? '';
    expect(raw).toContain('filename=note.txt');
    expect(raw).toContain('<p>Hi</p>');
    expect(raw).not.toMatch(/^Bcc:/im);
  });

  it('attachments over the limit: ComposeError, and nothing is sent', async () => {
    const conversations = lab.listConversations().length;
    const deliveries = lab.listDeliveries().length;
    const big = Buffer.alloc(MAX_ATTACHMENT_BYTES / 2 + 1).toString('base64');
    const attachments = [
      { filename: 'a.bin', contentType: 'application/octet-stream', contentBase64: big },
      { filename: 'b.bin', contentType: 'application/octet-stream', contentBase64: big },
    ];
    const sending = lab.send(form({ attachments }), { profile: 'submission' }, 'instant');
    await expect(sending).rejects.toBeInstanceOf(ComposeError);
    await expect(sending).rejects.toThrow(/the limit is 2\.0 MB/);
    await expect(lab.send(form({ to: ['not an address'] }), { profile: 'submission' }, 'instant')).rejects.toThrow(/to\.0 is not an address/);
    expect(lab.listConversations().length).toBe(conversations);
    expect(lab.listDeliveries().length).toBe(deliveries);
  });

  it('credentials that are not a lab account: 535, and they appear in no wire event and no gate unit', async () => {
    const user = 'alice.real@example.com';
    const pass = 'correct horse battery';
    const secrets = [user, pass, Buffer.from(`\0${user}\0${pass}`).toString('base64'), Buffer.from(user).toString('base64')];
    const started = await lab.send(form(), { profile: 'submission', user, pass }, 'step');
    lab.controlDelivery(started.id, 'play', 50);
    const done = await watch.ended(started);
    expect(done.outcome).toBe('refused');
    expect(done.response).toMatch(/^535 /);
    expect(done.error).toMatch(/not a lab account/);
    const shown = JSON.stringify([watch.events(done), watch.gates.filter((g) => g.delivery === done.id), lab.getConversation(done.conversation)]);
    for (const secret of secrets) expect(shown).not.toContain(secret);
    expect(watch.lines(done, 'client').find((line) => line.text.startsWith('AUTH PLAIN'))).toMatchObject({ redacted: true });
    expect(watch.gates.some((g) => g.delivery === done.id && g.held?.lines[0]?.startsWith('AUTH PLAIN [hidden'))).toBe(true);
  });

  it('the eavesdropper view: one event per TLS record, with type and size and none of the text', async () => {
    const done = await watch.ended(await lab.send(form({ subject: 'Secret subject', text: 'Secret body' }), { profile: 'submission' }, 'instant'));
    const records = watch.events(done).filter((event) => event.info === 'record');
    expect(records.length).toBeGreaterThan(8);
    for (const event of records) {
      expect(event.text).toMatch(/^TLS (handshake|application data|change cipher spec|alert), \d+ bytes$/);
      expect(event.text).not.toMatch(/Secret/);
      expect(event.record?.bytes).toBeGreaterThan(0);
    }
    const types = new Set(records.map((event) => `${event.record?.from} ${event.record?.type}`));
    expect(types).toContain('client handshake');
    expect(types).toContain('server handshake');
    expect(types).toContain('client application-data');
    expect(types).toContain('server application-data');
    // Records only after STARTTLS: the plain part of the conversation has none.
    const starttls = watch.events(done).findIndex((event) => event.text === 'STARTTLS');
    expect(watch.events(done).findIndex((event) => event.info === 'record')).toBeGreaterThan(starttls);
    // The content went out in application-data records at least as large as its text.
    const content = watch.lines(done, 'client').filter((line) => line.text.startsWith('Subject:'));
    expect(content).toHaveLength(1);
  });
});
