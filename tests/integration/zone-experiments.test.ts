/**
 * The experiments on the learner's own zone (lessons 60–66) where replaying a lesson does not show
 * the fact itself: a lesson's zone is put back as the learner had it, keys and all; a record past
 * ten SPF lookups is refused whole by the zone, and would be a permerror at every receiver; the
 * bounce of a forgery from a parked domain ends at its null MX, with nothing bounced again.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLab } from '../../bridge/lab/lab';
import type { Lab } from '../../bridge/lab/lab-types';
import { loadLessons } from '../../bridge/lessons/load-lessons';
import { replayActions } from '../../bridge/lessons/replay';
import { lessonForDomain } from '../../core/lessons/lesson-domain';
import { MAX_REFUSAL_REASONS } from '../../bridge/world/learner-domain';
import { checkMessage } from '../../bridge/world/mail-auth';
import type { LessonAction } from '../../core/lessons/lesson-schema';
import { scenarioSchema } from '../../core/lessons/scenario-schema';
import { setRecords, type ZoneRecordEdit } from '../../core/lessons/zone-edits';
import { LabDns } from '../../core/world/lab-dns';
import { LAB_WORLD } from '../../core/world/world-definition';
import type { WorldEvent } from '../../core/world/world-events';

let stateDir: string;
let lab: Lab;
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'smtp-lab-zone-experiments-'));
});
afterAll(() => rm(stateDir, { recursive: true, force: true }));
beforeEach(async () => {
  lab = await createLab({ host: '127.0.0.1', smtpPort: 0, smtpsPort: 0, stateDir, log: () => {} });
});
afterEach(() => lab.close());

const DOMAIN = 'learner.test';
const send = (from: string, to: string): LessonAction => ({
  send: { compose: { from, to: [to], cc: [], bcc: [], subject: 'zone experiment', text: 'Which key?', attachments: [] }, connection: { profile: 'submission' } },
});

/** An SPF chain of `links` includes below the domain, the last naming the relay: `links` lookups. */
function includeChain(links: number): ZoneRecordEdit[] {
  const at = (i: number) => `s${i}._spf`;
  return [
    { type: 'TXT', name: '@', value: `v=spf1 include:${at(1)}.{domain} -all` },
    ...Array.from({ length: links - 1 }, (_, i): ZoneRecordEdit => ({ type: 'TXT', name: at(i + 1), value: `v=spf1 include:${at(i + 2)}.{domain} -all` })),
    { type: 'TXT', name: at(links), value: 'v=spf1 ip4:192.0.2.10 -all' },
  ];
}

describe("a lesson's zone", () => {
  it("opens on the working set with the lesson's records, and puts the learner's own zone back, keys and all, when it restarts or closes", async () => {
    const learner = lab.learnerDomain;
    // What the learner had made of the zone before the lesson: a record of their own and a new key.
    expect(learner.replace({ records: [...learner.zone().records, { type: 'TXT', name: `note.${DOMAIN}`, value: 'mine' }] }).ok).toBe(true);
    const own = await learner.generateKey('ed25519');
    const before = learner.zone();
    const scenario = scenarioSchema.parse({ zone: [{ set: [{ type: 'TXT', name: '_dmarc', value: 'v=DMARC1; p=reject' }] }] });

    lab.applyScenario(scenario);
    const opened = learner.zone();
    expect(opened.records).toContainEqual({ type: 'TXT', name: `_dmarc.${DOMAIN}`, value: 'v=DMARC1; p=reject' });
    expect(opened.records.some((r) => r.name === `note.${DOMAIN}`)).toBe(false);
    expect(learner.signingKey().selector).toBe('learner');

    // The learner changes it during the lesson; restarting the lesson opens it as before.
    await learner.generateKey('rsa');
    expect(learner.replace({ records: setRecords(learner.zone().records, [{ type: 'TXT', name: '_dmarc', value: 'v=DMARC1; p=none' }], DOMAIN) }).ok).toBe(true);
    lab.applyScenario(scenario);
    expect(learner.zone()).toEqual(opened);
    expect(learner.signingKey().selector).toBe('learner');

    // Leaving the lesson: the zone and the key the relay signs with are the learner's again, on the wire too.
    lab.applyScenario(null);
    expect(learner.zone()).toEqual(before);
    const evidence = await replayActions(lab, [send(`me@${DOMAIN}`, 'alice@example.test')]);
    const copy = evidence.messages.find((m) => m.mailbox === 'alice@example.test');
    expect(copy?.raw).toMatch(new RegExp(`dkim=neutral \\(no key\\) header\\.i=@${DOMAIN} header\\.s=${own.selector}\\b`));
  });

  it("says why when the zone checks refuse a scenario's records, and still gives the learner's zone back", () => {
    const learner = lab.learnerDomain;
    const before = learner.zone();
    const twoSpf = scenarioSchema.parse({ zone: [{ set: [{ type: 'TXT', name: '@', value: 'v=spf1 -all' }, { type: 'TXT', name: '@', value: 'v=spf1 ip4:192.0.2.10 -all' }] }] });
    expect(() => lab.applyScenario(twoSpf)).toThrow(/2 SPF records/);
    lab.applyScenario(null);
    expect(learner.zone()).toEqual(before);
  });
});

describe('ten SPF lookups (RFC 7208 §4.6.4)', () => {
  it('refuses a chain of eleven whole, changing nothing, and says why; publishes ten, which receivers follow to a pass', async () => {
    const learner = lab.learnerDomain;
    const before = learner.zone();
    const refused = learner.replace({ records: setRecords(before.records, includeChain(11), DOMAIN) });
    expect(refused.ok).toBe(false);
    expect(refused.ok ? [] : refused.errors.map((e) => e.reason)).toEqual([expect.stringContaining('needs 11 DNS lookups')]);
    expect(learner.zone()).toEqual(before);
    expect(lab.worldEvents().filter((e) => e.type === 'zone')).toEqual([expect.objectContaining({ outcome: 'refused', reasons: [expect.stringMatching(/^TXT learner\.test: .*11 DNS lookups/)] })]);

    expect(learner.replace({ records: setRecords(before.records, includeChain(10), DOMAIN) }).ok).toBe(true);
    await replayActions(lab, [send(`me@${DOMAIN}`, 'alice@example.test')]);
    const auth = lab.worldEvents().findLast((e): e is Extract<WorldEvent, { type: 'auth' }> => e.type === 'auth');
    expect(auth).toMatchObject({ fromDomain: DOMAIN, spf: 'pass' });
  });

  it(`keeps at most MAX_REFUSAL_REASONS (${MAX_REFUSAL_REASONS}) reasons in the world event of a refusal; the answer has them all`, () => {
    const learner = lab.learnerDomain;
    const bad = Array.from({ length: MAX_REFUSAL_REASONS + 2 }, (_, i) => ({ type: 'A' as const, name: `h${i}.${DOMAIN}`, value: 'not an address' }));
    const refused = learner.replace({ records: [...learner.zone().records, ...bad] });
    expect(refused.ok ? 0 : refused.errors.length).toBe(MAX_REFUSAL_REASONS + 2);
    const event = lab.worldEvents().findLast((e): e is Extract<WorldEvent, { type: 'zone' }> => e.type === 'zone');
    expect(event?.reasons).toHaveLength(MAX_REFUSAL_REASONS);
  });

  it('would be a permerror at a receiver: the lab refuses to publish what its hosts could not evaluate', async () => {
    const zone = { domain: DOMAIN, records: setRecords(lab.learnerDomain.zone().records, includeChain(11), DOMAIN) };
    const world = { ...LAB_WORLD, domains: [...LAB_WORLD.domains, { name: DOMAIN, role: 'learner', mx: [], a: [], users: 'any' as const, magicLocalParts: false, greylistAll: false }] };
    const raw = Buffer.from(`From: me@${DOMAIN}\r\nTo: alice@example.test\r\nSubject: eleven\r\n\r\nToo many lookups.\r\n`);
    const peer = { ip: '192.0.2.10', helo: 'smtp.lab.test', sender: `me@${DOMAIN}`, mta: 'mx.example.test' };
    expect(await checkMessage(new LabDns(world, zone), raw, peer)).toMatchObject({ spf: 'permerror' });
    const ten = { domain: DOMAIN, records: setRecords(lab.learnerDomain.zone().records, includeChain(10), DOMAIN) };
    expect(await checkMessage(new LabDns(world, ten), raw, peer)).toMatchObject({ spf: 'pass' });
  });
});

describe('a parked domain', () => {
  it("bounces a forgery's bounce nowhere: its null MX fails it at once, and nothing is bounced again", async () => {
    const lesson = (await loadLessons()).find((l) => l.id === 'parked');
    if (!lesson) throw new Error('lesson 66 is missing');
    const played = lessonForDomain(lesson, DOMAIN);
    await replayActions(lab, played.solution, played.scenario);
    const events = lab.worldEvents();
    const bounce = events.find((e): e is Extract<WorldEvent, { type: 'bounce' }> => e.type === 'bounce' && e.to === `ceo@${DOMAIN}`);
    expect(bounce).toBeDefined();
    const fate = events.filter((e): e is Extract<WorldEvent, { type: 'recipient' }> => e.type === 'recipient' && e.queueId === bounce?.bounceQueueId);
    expect(fate).toEqual([expect.objectContaining({ recipient: `ceo@${DOMAIN}`, outcome: 'failed', status: '5.1.10', host: null })]);
    expect(events.some((e) => e.type === 'bounce' && e.queueId === bounce?.bounceQueueId)).toBe(false);
    expect(lab.mailbox(`ceo@${DOMAIN}`)).toEqual([]);
  });
});
