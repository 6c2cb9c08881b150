/**
 * The relay hop, one behaviour per test: every reply comes from a real smtp-server standing in
 * for a recipient's MX, every command from nodemailer, every line recorded by a LineTap.
 */
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPOOFING_PROFILE } from '../../core/world/mail-auth-policy';
import { GREYLIST_MIN_DELAY_MS, RETRY_BASE_MS } from '../../core/world/world-definition';
import { clientLines, lineClient, serverLines, startWorld, type WorldLab } from './world-harness';

let lab: WorldLab;
beforeAll(async () => {
  lab = await startWorld();
});
afterAll(() => lab.close());

describe('relay hops through the lab world', () => {
  it('delivers to alice@example.test through a recorded hop 1 over STARTTLS', async () => {
    const queueId = await lab.submit({ to: ['alice@example.test'], subject: 'hi alice' });
    const [lookup] = lab.eventsOf('dns.lookup', queueId);
    expect(lookup?.answer.records).toEqual([{ preference: 10, exchange: 'mx.example.test' }]);
    expect(lookup?.chosen).toBe('mx.example.test');
    expect(lab.eventsOf('recipient', queueId).map((e) => [e.recipient, e.outcome])).toEqual([['alice@example.test', 'delivered']]);
    const [hop] = lab.hopsOf(queueId);
    expect(hop?.hop).toMatchObject({ hop: 1, attempt: 1, host: 'mx.example.test', client: { name: 'smtp.lab.test' } });
    expect(clientLines(hop!)).toContain('EHLO smtp.lab.test');
    expect(hop!.events.some((e) => e.info === 'tls')).toBe(true);
    const [message] = lab.world.mailbox('alice@example.test');
    expect((await PostalMime.parse(message!.raw)).subject).toBe('hi alice');
    expect(lab.eventsOf('done', queueId)).toHaveLength(1);
  });

  it('keeps the Received: chain in order: the MX header on top, the submission header below', async () => {
    const queueId = await lab.submit({ to: ['bob@example.test'] });
    const [message] = lab.world.mailbox('bob@example.test');
    const headers = message!.raw.toString('utf8').split('\r\n\r\n')[0]!;
    const received = headers.split(/\r\n(?=Received:)/).filter((h) => h.startsWith('Received:'));
    expect(received).toHaveLength(2);
    // Final delivery puts the envelope sender on top (RFC 5321 §4.4).
    expect(headers).toMatch(/^Return-Path: <learner@lab\.test>\r\nReceived: /);
    expect(received[0]).toMatch(/^Received: from smtp\.lab\.test \(\[192\.0\.2\.10\]\)\r\n\tby mx\.example\.test/);
    expect(received[0]).toMatch(/with ESMTPS/);
    expect(received[0]).toContain('for <bob@example.test>');
    expect(received[1]).toMatch(/from learner-laptop\.lab\.test .*\r\n\tby smtp\.lab\.test/);
    // The conversation that carried it, which an earlier message may have opened.
    expect(message!.conversation).toBe(lab.eventsOf('relay.hop', queueId)[0]?.conversation);
  });

  it('greylisting: 451 4.7.1 on the first try, delivered on the retry after the lab clock moves on', async () => {
    const queueId = await lab.submit({ to: ['greylist@example.test'] });
    const [deferred] = lab.eventsOf('recipient', queueId);
    expect(deferred).toMatchObject({ outcome: 'deferred', status: '4.7.1' });
    expect(deferred?.response).toMatch(/^451 4\.7\.1 /);
    expect(deferred?.retryAt).toBe(deferred!.at + RETRY_BASE_MS);
    expect(lab.world.mailbox('greylist@example.test')).toHaveLength(0);
    expect(RETRY_BASE_MS).toBeGreaterThanOrEqual(GREYLIST_MIN_DELAY_MS);
    await lab.world.clock.fastForward(RETRY_BASE_MS);
    await lab.world.settled();
    const outcomes = lab.eventsOf('recipient', queueId).map((e) => [e.attempt, e.outcome]);
    expect(outcomes).toEqual([[1, 'deferred'], [2, 'delivered']]);
    const hops = lab.hopsOf(queueId);
    expect(hops.map((h) => h.hop.attempt)).toEqual([1, 2]);
    expect(serverLines(hops[0]!)).toContain('451 4.7.1 Greylisted: please try again later');
    expect(lab.world.mailbox('greylist@example.test')).toHaveLength(1);
  });

  it('greylist.test greylists the whole domain', async () => {
    const queueId = await lab.submit({ to: ['anyone@greylist.test'] });
    expect(lab.eventsOf('recipient', queueId).map((e) => e.outcome)).toEqual(['deferred']);
    await lab.world.clock.fastForward(RETRY_BASE_MS);
    await lab.world.settled();
    expect(lab.eventsOf('recipient', queueId).map((e) => e.outcome)).toEqual(['deferred', 'delivered']);
  });

  it('falls back to the second MX when the preferred one refuses the connection', async () => {
    const queueId = await lab.submit({ to: ['dana@fallback.test'] });
    const [lookup] = lab.eventsOf('dns.lookup', queueId);
    expect(lookup?.answer.candidates.map((c) => [c.preference, c.exchange])).toEqual([
      [10, 'mx1.fallback.test'],
      [20, 'mx2.fallback.test'],
    ]);
    expect(lookup?.chosen).toBe('mx1.fallback.test');
    expect(lab.eventsOf('relay.connecting', queueId).map((e) => e.host)).toEqual(['mx1.fallback.test', 'mx2.fallback.test']);
    const [refused] = lab.eventsOf('relay.unreachable', queueId);
    expect(refused?.host).toBe('mx1.fallback.test');
    expect(refused?.error).toMatch(/ECONNREFUSED/);
    expect(lab.hopsOf(queueId).map((h) => h.hop.host)).toEqual(['mx2.fallback.test']);
    expect(lab.eventsOf('recipient', queueId)[0]).toMatchObject({ outcome: 'delivered', host: 'mx2.fallback.test' });
    expect(lab.world.mailbox('dana@fallback.test')).toHaveLength(1);
  });

  it('nomx.test: no MX, so the relay uses the domain itself (implicit MX) and speaks plain SMTP', async () => {
    const queueId = await lab.submit({ to: ['eve@nomx.test'] });
    const [lookup] = lab.eventsOf('dns.lookup', queueId);
    expect(lookup?.answer).toMatchObject({ kind: 'implicit', records: [], candidates: [{ exchange: 'nomx.test', preference: 0, address: '192.0.2.80' }] });
    const [hop] = lab.hopsOf(queueId);
    expect(hop?.hop.host).toBe('nomx.test');
    expect(clientLines(hop!)).not.toContain('STARTTLS');
    expect(lab.world.mailbox('eve@nomx.test')).toHaveLength(1);
  });

  it('tls-required.test publishes an MTA-STS policy (RFC 8461) in the lab DNS and serves its file', () => {
    expect(lab.world.resolveMx('tls-required.test').candidates.map((c) => c.exchange)).toEqual(['mx.tls-required.test', 'mx2.tls-required.test']);
    const policy = lab.world.mtaStsPolicy('tls-required.test');
    expect(policy).toMatch(/^version: STSv1\r\nmode: enforce\r\n/);
    expect(policy).toContain('mx: mx2.tls-required.test');
    expect(lab.world.mtaStsPolicy('example.test')).toBeNull();
    expect(lab.world.describe().domains.find((d) => d.name === 'tls-required.test')?.txt).toContainEqual({ name: '_mta-sts.tls-required.test', text: 'v=STSv1; id=20261201T000000;' });
  });

  it('the relay refuses the MX that offers no TLS, records why as a step of the journey, and delivers over verified TLS to the next', async () => {
    const queueId = await lab.submit({ to: ['frank@tls-required.test'] });
    const refused = lab.eventsOf('relay.unreachable', queueId);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ host: 'mx.tls-required.test' });
    expect(refused[0]?.error).toMatch(/^MTA-STS: tls-required\.test publishes a policy in enforce mode, so the relay delivers to mx\.tls-required\.test only over verified TLS/);
    const [first, second] = lab.hopsOf(queueId);
    expect(first?.hop.host).toBe('mx.tls-required.test');
    // It asked for TLS, was refused, and never sent the envelope in clear.
    expect(clientLines(first!)).toContain('STARTTLS');
    expect(clientLines(first!).some((line) => line.startsWith('MAIL'))).toBe(false);
    expect(second?.hop.host).toBe('mx2.tls-required.test');
    const lines = second!.events.filter((e) => e.dir === 'client').map((e) => [e.text.split(' ')[0], e.tls]);
    expect(lines).toContainEqual(['STARTTLS', false]);
    expect(lines).toContainEqual(['MAIL', true]);
    expect(lab.eventsOf('recipient', queueId)).toMatchObject([{ outcome: 'delivered', host: 'mx2.tls-required.test' }]);
    expect(lab.world.mailbox('frank@tls-required.test')).toHaveLength(1);
  });

  it('the public MX of tls-required.test does not insist on STARTTLS itself (RFC 3207 §4)', async () => {
    const socket = await lab.world.openHost('mx.tls-required.test');
    const client = lineClient(socket);
    expect(await client.reply()).toMatch(/^220 mx\.tls-required\.test ESMTP/);
    expect(await client.command('EHLO terminal.lab.test')).not.toContain('STARTTLS');
    expect(await client.command('MAIL FROM:<learner@lab.test>')).toMatch(/^250 /);
    socket.destroy();
  });

  it('declares BODY=8BITMIME for 8-bit mail, which the receiving host would refuse undeclared (554 5.6.1)', async () => {
    const raw = Buffer.from('From: learner@lab.test\r\nSubject: 8-bit\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus dem Labor\r\n');
    const queueId = lab.world.enqueue({ raw, envelopeFrom: 'learner@lab.test', envelopeTo: ['bob@example.test'] });
    await lab.world.settled();
    expect(clientLines(lab.hopsOf(queueId)[0]!).find((line) => line.startsWith('MAIL FROM:'))).toMatch(/ BODY=8BITMIME/);
    expect(lab.eventsOf('recipient', queueId)).toMatchObject([{ outcome: 'delivered' }]);
  });

  it('a host that is down refuses the connection like a closed port', async () => {
    await expect(lab.world.openHost('mx1.fallback.test')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('keeps mail for a domain outside the lab in its outside mailbox, without any connection', async () => {
    const queueId = await lab.submit({ to: ['someone@elsewhere.example'] });
    expect(lab.eventsOf('dns.lookup', queueId)[0]?.answer.kind).toBe('outside');
    expect(lab.eventsOf('relay.connecting', queueId)).toHaveLength(0);
    expect(lab.eventsOf('recipient', queueId)[0]?.outcome).toBe('outside');
    const box = lab.world.mailboxes().find((m) => m.address === 'someone@elsewhere.example');
    expect(box).toMatchObject({ outside: true, messages: 1 });
  });

  it('slow@ answers slowly and still gets the mail', async () => {
    const started = Date.now();
    const queueId = await lab.submit({ to: ['slow@example.test'] });
    expect(Date.now() - started).toBeGreaterThan(1_000);
    expect(lab.eventsOf('recipient', queueId)[0]?.outcome).toBe('delivered');
    expect(lab.world.mailbox('slow@example.test')).toHaveLength(1);
  });

  it('describes the world and answers a lookup outside any delivery', () => {
    const description = lab.world.describe();
    expect(description.domains.map((d) => d.name)).toContain('nullmx.test');
    expect(description.hosts.find((h) => h.name === 'mx1.fallback.test')?.up).toBe(false);
    const answer = lab.world.resolveMx('FALLBACK.test.');
    expect(answer.candidates).toHaveLength(2);
    expect(lab.events.at(-1)).toMatchObject({ type: 'dns.lookup', queueId: null, chosen: 'mx1.fallback.test' });
  });

  it("each recipient's fate is the hop's own reply to it: 250, 550 5.1.1, 451 4.7.1 and 452 4.2.2 in one message", async () => {
    const to = ['carol@example.test', 'nobody@example.test', 'greylist@example.test', 'full@example.test'];
    // A sender of its own, so no earlier test has aged greylist@'s entry for it.
    const queueId = await lab.submit({ from: 'fates@lab.test', to, subject: 'four fates' });
    const [hop, ...more] = lab.hopsOf(queueId);
    expect(more).toHaveLength(0);
    const replies = serverLines(hop!);
    const fates = Object.fromEntries(lab.eventsOf('recipient', queueId).map((e) => [e.recipient, [e.outcome, e.status, e.response]]));
    expect(fates).toEqual({
      'carol@example.test': ['delivered', '2.6.0', expect.stringMatching(/^250 2\.6\.0 Ok: queued as [A-Z0-9]+$/)],
      'nobody@example.test': ['failed', '5.1.1', '550 5.1.1 No such user here'],
      'greylist@example.test': ['deferred', '4.7.1', '451 4.7.1 Greylisted: please try again later'],
      'full@example.test': ['deferred', '4.2.2', '452 4.2.2 Mailbox full, try again later'],
    });
    // Every deciding reply is one the host sent on this hop, in one transaction.
    for (const [, , response] of Object.values(fates)) expect(replies).toContain(response);
    expect(clientLines(hop!).filter((line) => line.startsWith('MAIL FROM:'))).toHaveLength(1);
    expect(lab.world.mailbox('carol@example.test').some((m) => m.raw.includes('Subject: four fates'))).toBe(true);
  });

  it('a refusal after the final dot fails every recipient the host had taken, and only those', async () => {
    // p=reject: example.test's own MX refuses mail forged in its name at the end of DATA.
    const { headerFrom } = SPOOFING_PROFILE;
    const queueId = await lab.submit({ from: headerFrom, to: ['alice@example.test', 'bob@example.test', 'full@example.test'], subject: 'forged' });
    const [hop] = lab.hopsOf(queueId);
    // The reply to the final dot: the last 5xx of the hop (its connection may still be open for more mail).
    const refusal = serverLines(hop!).findLast((line) => line.startsWith('5'));
    expect(refusal).toMatch(/^550 5\.7\.26 Rejected by the DMARC policy of example\.test/);
    const fates = Object.fromEntries(lab.eventsOf('recipient', queueId).map((e) => [e.recipient, [e.outcome, e.status, e.response]]));
    expect(fates).toEqual({
      'alice@example.test': ['failed', '5.7.26', refusal],
      'bob@example.test': ['failed', '5.7.26', refusal],
      'full@example.test': ['deferred', '4.2.2', '452 4.2.2 Mailbox full, try again later'],
    });
  });
});
