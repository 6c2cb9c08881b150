/**
 * Who is the sender: lab.test's relay signs with DKIM, every lab MX checks SPF, DKIM and DMARC
 * against the lab DNS and writes Authentication-Results; a forged From: meets its domain's policy.
 * The forged mail comes in through the submission server that takes mail without AUTH, exactly as
 * an outside client on the lab's welcoming port would send it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPOOFING_PROFILE } from '../../core/world/mail-auth-policy';
import { serverLines, startWorld, type WorldLab } from './world-harness';

let lab: WorldLab;
beforeAll(async () => {
  lab = await startWorld();
});
afterAll(() => lab.close());

const headersOf = (raw: Buffer) => raw.toString('utf8').split('\r\n\r\n')[0]!;

describe('SPF, DKIM and DMARC in the lab world', () => {
  it('publishes lab.test\'s DKIM key in the lab DNS and on the world page', () => {
    const labTest = lab.world.describe().domains.find((d) => d.name === 'lab.test');
    expect(labTest?.txt?.find((r) => r.name === 'lab._domainkey.lab.test')?.text).toMatch(/^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$/);
  });

  it('aligned mail from learner@lab.test passes SPF, DKIM and DMARC, and says so in its header', async () => {
    const queueId = await lab.submit({ from: 'learner@lab.test', to: ['carol@example.test'], subject: 'signed' });
    expect(lab.eventsOf('recipient', queueId).map((e) => e.outcome)).toEqual(['delivered']);
    const [message] = lab.world.mailbox('carol@example.test');
    const headers = headersOf(message!.raw);
    expect(headers).toMatch(/^Return-Path: <learner@lab\.test>\r\nReceived: from smtp\.lab\.test/);
    expect(headers).toContain('Authentication-Results: mx.example.test;');
    expect(headers).toMatch(/dkim=pass header\.i=@lab\.test header\.s=lab header\.a=ed25519-sha256/);
    expect(headers).toMatch(/spf=pass \(mx\.example\.test: domain of learner@lab\.test designates 192\.0\.2\.10 as permitted sender\)/);
    expect(headers).toMatch(/dmarc=pass \(p=REJECT\) header\.from=lab\.test/);
    expect(headers).toMatch(/^DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed\/relaxed; d=lab\.test;/m);
    const auth = lab.events.filter((e) => e.type === 'auth' && e.host === 'mx.example.test').at(-1);
    expect(auth).toMatchObject({ fromDomain: 'lab.test', spf: 'pass', dkim: 'pass', dmarc: 'pass', policy: 'reject', verdict: 'accepted', conversation: message!.conversation });
  });

  it('a bounce from smtp.lab.test passes too (SPF on the HELO name, DKIM by lab.test) and reaches the sender', async () => {
    const queueId = await lab.submit({ from: 'learner@lab.test', to: ['nobody@example.test'] });
    expect(lab.eventsOf('bounce', queueId)).toHaveLength(1);
    const bounce = lab.world.mailbox('learner@lab.test').at(-1);
    expect(headersOf(bounce!.raw)).toMatch(/dmarc=pass/);
  });

  it('spoofed: From: ceo@example.test through the lab fails SPF and DMARC and is refused with 550 5.7.26 (p=reject)', async () => {
    const { headerFrom, to } = SPOOFING_PROFILE;
    const queueId = await lab.submit({ from: headerFrom, to: [to], subject: 'Urgent wire transfer' });
    const [result] = lab.eventsOf('recipient', queueId);
    expect(result).toMatchObject({ outcome: 'failed', status: '5.7.26', host: 'mx.example.test' });
    expect(result?.response).toBe('550 5.7.26 Rejected by the DMARC policy of example.test: it did not send this message');
    const [hop] = lab.hopsOf(queueId);
    expect(serverLines(hop!)).toContain('550 5.7.26 Rejected by the DMARC policy of example.test: it did not send this message');
    const auth = lab.events.filter((e) => e.type === 'auth' && e.fromDomain === 'example.test').at(-1);
    expect(auth).toMatchObject({ spf: 'fail', dkim: 'none', dmarc: 'fail', policy: 'reject', verdict: 'rejected' });
    expect(lab.world.mailbox(to).some((m) => m.raw.includes('Urgent wire transfer'))).toBe(false);
  });

  it('spoofed under p=quarantine: delivered, but marked and with dmarc=fail in its header', async () => {
    const { headerFrom, to } = SPOOFING_PROFILE.quarantine;
    const queueId = await lab.submit({ from: headerFrom, to: [to], subject: 'Quarantine me' });
    expect(lab.eventsOf('recipient', queueId).map((e) => e.outcome)).toEqual(['delivered']);
    const headers = headersOf(lab.world.mailbox(to).at(-1)!.raw);
    expect(headers).toMatch(/dmarc=fail \(p=QUARANTINE\) header\.from=fallback\.test/);
    expect(headers).toContain('X-Lab-Quarantine: DMARC policy of fallback.test (p=quarantine)');
  });

  it('a domain without DMARC: SPF fails, nobody has a policy, so the mail is delivered', async () => {
    const queueId = await lab.submit({ from: 'someone@nomx.test', to: ['alice@example.test'], subject: 'no policy' });
    expect(lab.eventsOf('recipient', queueId).map((e) => e.outcome)).toEqual(['delivered']);
    const headers = headersOf(lab.world.mailbox('alice@example.test').at(-1)!.raw);
    expect(headers).toMatch(/spf=fail/);
    expect(headers).toMatch(/dmarc=none/);
  });
});
