/**
 * MTA-STS for the learner's domain over real SMTP: the learner publishes an `_mta-sts` record and
 * a policy file the lab world serves, and the relay delivering mail to the learner's domain
 * follows it. In enforce mode an MX that cannot give verified TLS never sees the envelope in clear.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ZoneRecord } from '../../core/world/learner-zone';
import { clientLines, startWorld, type WorldLab } from './world-harness';

let lab: WorldLab;
beforeAll(async () => {
  lab = await startWorld();
});
afterAll(() => lab.close());
afterEach(() => {
  lab.world.learner.reset();
  lab.world.redefine(null);
});

const learner = () => lab.world.learner;
const announce: ZoneRecord = { type: 'TXT', name: '_mta-sts.learner.test', value: 'v=STSv1; id=20261205T0300;' };
const enforce = { mode: 'enforce', mx: ['mx.lab.test'], maxAge: 86_400 };
/** The learner's MX host has lost STARTTLS, as when an attacker strips it from the EHLO reply. */
const strippedMx = { domains: [], hosts: [{ name: 'mx.lab.test', starttls: 'none' as const, behaviour: 'Offers no STARTTLS' }] };

describe("MTA-STS for the learner's domain", () => {
  it('serves the policy the learner wrote, announced by the _mta-sts record', () => {
    expect(lab.world.mtaStsPolicy('learner.test')).toBeNull();
    const checked = learner().replace({ records: [...learner().zone().records, announce], mtaSts: enforce });
    expect(checked.ok).toBe(true);
    expect(lab.world.mtaStsPolicy('learner.test')).toBe('version: STSv1\r\nmode: enforce\r\nmx: mx.lab.test\r\nmax_age: 86400\r\n');
    expect(learner().zone().mtaSts).toEqual(enforce);
    // A change that leaves the policy out keeps it.
    expect(learner().replace({ records: learner().zone().records }).ok).toBe(true);
    expect(learner().zone().mtaSts).toEqual(enforce);
  });

  it('enforce, and an MX that verifies: delivered over TLS', async () => {
    learner().replace({ records: [...learner().zone().records, announce], mtaSts: enforce });
    const queueId = await lab.submit({ to: ['me@learner.test'] });
    const [hop] = lab.hopsOf(queueId);
    const lines = hop!.events.filter((e) => e.dir === 'client').map((e) => [e.text.split(' ')[0], e.tls]);
    expect(lines).toContainEqual(['STARTTLS', false]);
    expect(lines).toContainEqual(['MAIL', true]);
    expect(lab.eventsOf('recipient', queueId)).toMatchObject([{ outcome: 'delivered', host: 'mx.lab.test' }]);
  });

  it('without a policy, mail to an MX that lost STARTTLS goes in clear', async () => {
    lab.world.redefine(strippedMx);
    const queueId = await lab.submit({ to: ['me@learner.test'] });
    const [hop] = lab.hopsOf(queueId);
    expect(hop!.events.some((e) => e.dir === 'client' && e.text.startsWith('MAIL') && !e.tls)).toBe(true);
    expect(lab.eventsOf('recipient', queueId)).toMatchObject([{ outcome: 'delivered' }]);
  });

  it('enforce, and an MX that fails verified TLS: not delivered in clear, the journey says why', async () => {
    learner().replace({ records: [...learner().zone().records, announce], mtaSts: enforce });
    lab.world.redefine(strippedMx);
    const before = lab.world.mailbox('me@learner.test').length;
    const queueId = await lab.submit({ to: ['me@learner.test'] });
    // The envelope never crossed in clear; the last hop asked for TLS, was refused, and stopped there.
    const hops = lab.hopsOf(queueId);
    expect(hops.flatMap((h) => h.events).filter((e) => e.dir === 'client' && e.text.startsWith('MAIL') && !e.tls)).toEqual([]);
    expect(clientLines(hops.at(-1)!)).toContain('STARTTLS');
    expect(clientLines(hops.at(-1)!).some((line) => line.startsWith('MAIL'))).toBe(false);
    expect(lab.eventsOf('relay.unreachable', queueId).at(-1)?.error).toMatch(/^MTA-STS: learner\.test publishes a policy in enforce mode, so the relay delivers to mx\.lab\.test only over verified TLS/);
    expect(lab.eventsOf('recipient', queueId)).toMatchObject([{ outcome: 'deferred' }]);
    expect(lab.world.mailbox('me@learner.test')).toHaveLength(before);
  });

  it('testing mode: the policy is published but the mail still goes in clear', async () => {
    learner().replace({ records: [...learner().zone().records, announce], mtaSts: { ...enforce, mode: 'testing' } });
    lab.world.redefine(strippedMx);
    const queueId = await lab.submit({ to: ['me@learner.test'] });
    expect(lab.eventsOf('recipient', queueId)).toMatchObject([{ outcome: 'delivered' }]);
  });

  it('enforce, and an MX the policy does not name: never tried', async () => {
    learner().replace({ records: [...learner().zone().records, announce], mtaSts: { ...enforce, mx: ['mx.example.test'] } });
    const queueId = await lab.submit({ to: ['me@learner.test'] });
    expect(lab.hopsOf(queueId)).toHaveLength(0);
    expect(lab.eventsOf('relay.unreachable', queueId)[0]?.error).toMatch(/the policy does not name this MX/);
  });

  it('refuses a record without id= and a policy with an unknown mode, whole, changing nothing', () => {
    const before = learner().zone();
    const noId = learner().replace({ records: [...before.records, { ...announce, value: 'v=STSv1;' }], mtaSts: enforce });
    expect(noId).toMatchObject({ ok: false, errors: [{ index: before.records.length, reason: expect.stringMatching(/needs id=/) }] });
    const strict = learner().replace({ records: [...before.records, announce], mtaSts: { ...enforce, mode: 'strict' } });
    expect(strict).toMatchObject({ ok: false, errors: [{ index: -1, record: null, reason: 'MTA-STS policy: mode "strict" is not a mode: enforce, testing or none (RFC 8461 §3.2)' }] });
    const unserved = learner().replace({ records: [...before.records, announce] });
    expect(unserved).toMatchObject({ ok: false, errors: [{ reason: expect.stringMatching(/your domain serves none/) }] });
    expect(learner().zone()).toEqual(before);
    expect(lab.world.mtaStsPolicy('learner.test')).toBeNull();
  });
});
