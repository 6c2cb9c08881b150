/**
 * The learner's own domain over real SMTP: mail submitted with AUTH from learner.test is signed
 * with the domain's key, leaves through the lab's relay, and the receiving MX judges it with
 * mailauth against the records the learner published right now, and acts on the DMARC policy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZoneRecord } from '../../core/world/learner-zone';
import { serverLines, startWorld, type WorldLab } from './world-harness';

let lab: WorldLab;
beforeAll(async () => {
  lab = await startWorld();
});
afterAll(() => lab.close());

const headersOf = (raw: Buffer) => raw.toString('utf8').split('\r\n\r\n')[0]!;
const learner = () => lab.world.learner;
/** The current set with the TXT record at `name` given a new value. */
function withTxt(name: string, value: string): ZoneRecord[] {
  return learner().zone().records.map((r) => (r.type === 'TXT' && r.name === name ? { ...r, value } : r));
}
function lastAuth() {
  return lab.eventsOf('auth').filter((e) => e.fromDomain === 'learner.test').at(-1);
}

describe("the learner's domain", () => {
  it('starts with a working set: SPF, DKIM and DMARC pass and the mail is delivered', async () => {
    const queueId = await lab.submit({ from: 'me@learner.test', to: ['alice@example.test'], subject: 'working set', login: true });
    expect(lab.eventsOf('recipient', queueId).map((e) => e.outcome)).toEqual(['delivered']);
    const headers = headersOf(lab.world.mailbox('alice@example.test').at(-1)!.raw);
    expect(headers).toMatch(/dkim=pass header\.i=@learner\.test header\.s=learner/);
    expect(headers).toMatch(/spf=pass/);
    expect(headers).toMatch(/dmarc=pass \(p=NONE\) header\.from=learner\.test/);
    expect(lastAuth()).toMatchObject({ spf: 'pass', dkim: 'pass', dmarc: 'pass', verdict: 'accepted' });
    expect(lab.world.summary(lab.world.mailbox('alice@example.test').at(-1)!).quarantined).toBeUndefined();
    const steps = lastAuth()?.steps;
    expect(steps?.spf).toMatchObject({ domain: 'learner.test', record: 'v=spf1 ip4:192.0.2.10 -all', matched: 'ip4:192.0.2.10', result: 'pass' });
    // Term by term, as the verdict views show it: the match, and -all never reached.
    expect(steps?.spf?.terms?.map((t) => [t.term, t.reached, t.matched])).toEqual([['ip4:192.0.2.10', true, true], ['-all', false, false]]);
    expect(steps?.dkim).toEqual([expect.objectContaining({ domain: 'learner.test', selector: 'learner', keyName: 'learner._domainkey.learner.test', bodyHashMatches: true, result: 'pass' })]);
    expect(steps?.dmarc).toMatchObject({
      fromDomain: 'learner.test',
      record: 'v=DMARC1; p=none; adkim=r; aspf=r',
      spf: { domain: 'learner.test', strict: true, relaxed: true, mode: 'relaxed' },
      dkim: { domain: 'learner.test', strict: true, relaxed: true, mode: 'relaxed' },
      result: 'pass',
    });
    expect(steps?.lookups).toContainEqual({ type: 'TXT', name: '_dmarc.learner.test', answer: ['v=DMARC1; p=none; adkim=r; aspf=r'] });
  });

  it('p=quarantine with SPF and DKIM broken: delivered, marked as quarantined', async () => {
    expect(learner().replace({ records: withTxt('_dmarc.learner.test', 'v=DMARC1; p=quarantine') }).ok).toBe(true);
    expect(learner().replace({ records: withTxt('learner.test', 'v=spf1 ip4:192.0.2.99 -all') }).ok).toBe(true);
    await learner().generateKey('ed25519');
    const queueId = await lab.submit({ from: 'me@learner.test', to: ['bob@example.test'], subject: 'quarantine me', login: true });
    expect(lab.eventsOf('recipient', queueId).map((e) => e.outcome)).toEqual(['delivered']);
    const headers = headersOf(lab.world.mailbox('bob@example.test').at(-1)!.raw);
    expect(headers).toContain('X-Lab-Quarantine: DMARC policy of learner.test (p=quarantine)');
    const stored = lab.world.mailbox('bob@example.test').at(-1)!;
    expect(lab.world.summary(stored).quarantined).toBe(true);
    expect(lastAuth()).toMatchObject({ spf: 'fail', dkim: 'neutral', dmarc: 'fail', policy: 'quarantine', verdict: 'quarantined' });
    learner().reset();
  });

  it('p=reject with SPF broken and the DKIM key rotated unpublished: 550 5.7.26 at end of data, and a bounce', async () => {
    expect(learner().replace({ records: withTxt('_dmarc.learner.test', 'v=DMARC1; p=reject') }).ok).toBe(true);
    expect(learner().replace({ records: withTxt('learner.test', 'v=spf1 -all') }).ok).toBe(true);
    const rotated = await learner().generateKey('rsa');
    expect(rotated.record.value).toMatch(/^v=DKIM1; k=rsa; p=MIIBIjAN/);
    const queueId = await lab.submit({ from: 'me@learner.test', to: ['carol@example.test'], subject: 'refuse me', login: true });
    const [result] = lab.eventsOf('recipient', queueId);
    expect(result).toMatchObject({ outcome: 'failed', status: '5.7.26', host: 'mx.example.test' });
    const [hop] = lab.hopsOf(queueId);
    expect(serverLines(hop!).some((line) => line.startsWith('550 5.7.26'))).toBe(true);
    expect(lab.eventsOf('bounce', queueId)).toHaveLength(1);
    const bounce = lab.world.mailbox('me@learner.test').at(-1);
    expect(bounce?.raw.toString()).toContain('refuse me');
    expect(lastAuth()).toMatchObject({ spf: 'fail', dkim: 'neutral', dmarc: 'fail', policy: 'reject', verdict: 'rejected' });
    expect(lastAuth()?.steps?.spf).toMatchObject({ record: 'v=spf1 -all', matched: '-all', result: 'fail' });
    expect(lastAuth()?.steps?.dkim).toEqual([expect.objectContaining({ selector: 'learner2', result: 'neutral', comment: 'no key' })]);
    expect(lastAuth()?.steps?.dmarc).toMatchObject({ spf: { domain: null, strict: false, relaxed: false }, result: 'fail' });
  });

  it('the rotated key once published passes again, signed with RSA', async () => {
    const rotated = await learner().generateKey('rsa', 'rotated');
    const records = [...learner().zone().records, rotated.record];
    expect(learner().replace({ records }).ok).toBe(true);
    await lab.submit({ from: 'me@learner.test', to: ['carol@example.test'], subject: 'rotated and published', login: true });
    expect(headersOf(lab.world.mailbox('carol@example.test').at(-1)!.raw)).toMatch(/dkim=pass header\.i=@learner\.test header\.s=rotated header\.a=rsa-sha256/);
    learner().reset();
  });

  it('an invalid set is refused whole, each bad record with its reason, and the published set is unchanged', () => {
    const before = learner().zone();
    const records: ZoneRecord[] = [
      ...before.records.filter((r) => !(r.type === 'TXT' && r.name === 'learner.test')),
      { type: 'TXT', name: 'learner.test', value: 'v=spf1 ip4:192.0.2.10 -all' },
      { type: 'TXT', name: 'learner.test', value: 'v=spf1 mx -all' },
      { type: 'TXT', name: '_dmarc.learner.test', value: 'v=DMARC1; p=maybe' },
      { type: 'A', name: 'www.example.test', value: '192.0.2.1' },
    ];
    const result = learner().replace({ records });
    expect(result.ok).toBe(false);
    const reasons = result.ok ? [] : result.errors.map((e) => `${e.record?.name} ${e.reason}`);
    expect(reasons).toEqual([
      expect.stringMatching(/^learner\.test .*2 SPF records/),
      expect.stringMatching(/^learner\.test .*2 SPF records/),
      expect.stringMatching(/^_dmarc\.learner\.test p=maybe is not a policy/),
      expect.stringMatching(/^www\.example\.test .*outside your domain learner\.test/),
    ]);
    expect(learner().zone()).toEqual(before);
  });

  it('unsigned mail from learner.test without AUTH fails DKIM (the lab signs only what its users submit)', async () => {
    await lab.submit({ from: 'me@learner.test', to: ['alice@example.test'], subject: 'no auth' });
    expect(lastAuth()).toMatchObject({ spf: 'pass', dkim: 'none', dmarc: 'pass' });
  });
});
