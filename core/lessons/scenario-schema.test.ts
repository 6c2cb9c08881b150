import { describe, expect, it } from 'vitest';
import { LAB_WORLD } from '../world/world-definition';
import { withChanges } from '../world/world-overrides';
import { parseLesson } from './parse-lesson';
import { MAX_SEED_CHARACTERS, scenarioSchema } from './scenario-schema';
import { connectTarget } from './lesson-start';

/** A one-step lesson file with `scenario` (YAML, indented under `scenario:`) in its front matter. */
function lessonWith(scenario: string, step = ''): string {
  return `---
id: seeded
number: 1
part: talking
title: A lesson with a scenario
summary: One step, for testing scenarios.
rfc: ["RFC 5321 §5.1"]
fixture: { view: terminal }
scenario:
${scenario}
steps:
  - id: only
    title: Look
    goals:
      - id: seen
        text: The message is in alice's mailbox
        check: { message: { mailbox: alice@example.test } }
${step}
solution:
  - connect: welcoming
wrongAttempts:
  - name: nothing
    actions: [{ connect: welcoming }]
    unmet: [seen]
---
Intro.

## Look

Text.
`;
}

const MESSAGE = `    raw: |
      From: ceo@fallback.test
      Subject: Urgent

      Pay now.`;

describe('a lesson scenario', () => {
  it('is read from the front matter: records, hosts, a seeded mailbox and queue entry', () => {
    const lesson = parseLesson(
      'lessons/01-seeded.md',
      lessonWith(`  world:
    domains: [{ name: fallback.test, mx: [{ preference: 10, exchange: mx2.fallback.test }] }]
    hosts: [{ name: mx.example.test, maxMessageSize: 2048, strictHelo: true, behaviour: Takes 2 KB at most }]
  mailboxes:
  - mailbox: alice@example.test
    from: ceo@fallback.test
${MESSAGE}
  queue:
  - from: learner@lab.test
    to: [bob@example.test]
    attempts: 2
    retryIn: 600000
    last: "451 4.7.1 Greylisted: please try again later"
${MESSAGE}`),
    );
    expect(lesson.scenario?.mailboxes[0]?.raw).toBe('From: ceo@fallback.test\nSubject: Urgent\n\nPay now.\n');
    expect(lesson.scenario?.queue[0]?.attempts).toBe(2);
    const world = withChanges(LAB_WORLD, lesson.scenario?.world ?? { domains: [], hosts: [] });
    expect(world.domains.find((d) => d.name === 'fallback.test')?.mx).toEqual([{ preference: 10, exchange: 'mx2.fallback.test' }]);
    // What the scenario does not name stays as the world has it.
    expect(world.domains.find((d) => d.name === 'fallback.test')?.a).toEqual(['192.0.2.30']);
    expect(world.hosts.find((h) => h.name === 'mx.example.test')).toMatchObject({ maxMessageSize: 2048, strictHelo: true, up: true, address: '192.0.2.21' });
    expect(LAB_WORLD.hosts.find((h) => h.name === 'mx.example.test')?.maxMessageSize).toBeUndefined();
  });

  it.each([
    ['a domain the world does not have', '  world: { domains: [{ name: nowhere.test, mx: [] }] }', 'scenario.world.domains.0.name', /is no domain of the lab world/],
    ['a host the world does not have', '  world: { hosts: [{ name: mx.nowhere.test, up: false, behaviour: Down }] }', 'scenario.world.hosts.0.name', /is no mail host of the lab world/],
    ['a host change that does not say what the host does now', '  world: { hosts: [{ name: mx.example.test, up: false }] }', 'scenario.world.hosts.0.behaviour', /expected string/i],
    ['a field the world does not model', '  world: { hosts: [{ name: mx.example.test, behaviour: Odd, colour: red }] }', 'scenario.world.hosts.0', /colour/],
    ['a seeded message with no header', `  mailboxes:\n  - mailbox: alice@example.test\n    from: ""\n    raw: "Just text"`, 'scenario.mailboxes.0.raw', /header field/],
    ['a zone record named in full instead of below the learner domain', '  zone: [{ set: [{ type: TXT, name: _dmarc.learner.test., value: "v=DMARC1; p=none" }] }]', 'scenario.zone.0.set.0.name', /"@" \(your domain itself\) or a name below it/],
    ['a zone key, which only the learner makes', '  zone: [{ key: ed25519 }]', 'scenario.zone.0', /./],
    ['a queue entry deferred with a 5xx', `  queue:\n  - { from: a@lab.test, to: [b@example.test], attempts: 1, retryIn: 60000, last: "550 5.1.1 No", raw: "Subject: x\\n\\nx" }`, 'scenario.queue.0.last', /4xx reply/],
  ])('fails on %s, naming the file and the field', (_what, scenario, field, problem) => {
    expect(() => parseLesson('lessons/01-seeded.md', lessonWith(scenario))).toThrow(new RegExp(`^lessons/01-seeded\\.md: ${field.replace(/\./g, '\\.')}: `));
    expect(() => parseLesson('lessons/01-seeded.md', lessonWith(scenario))).toThrow(problem);
  });

  it(`refuses a seeded message longer than MAX_SEED_CHARACTERS (${MAX_SEED_CHARACTERS})`, () => {
    const seed = (length: number) => ({ mailbox: 'alice@example.test', from: '', raw: `Subject: big\n\n${'x'.repeat(length - 14)}` });
    expect(scenarioSchema.safeParse({ mailboxes: [seed(MAX_SEED_CHARACTERS)] }).success).toBe(true);
    const over = scenarioSchema.safeParse({ mailboxes: [seed(MAX_SEED_CHARACTERS + 1)] });
    expect(over.success).toBe(false);
    expect(over.error?.issues[0]?.message).toMatch(/longer than 65536 characters/);
  });

  it("reads the learner's zone as edits written below the learner domain, [] for the working set", () => {
    expect(parseLesson('lessons/01-seeded.md', lessonWith('  zone: []')).scenario?.zone).toEqual([]);
    const lesson = parseLesson('lessons/01-seeded.md', lessonWith('  zone: [{ set: [{ type: TXT, name: "@", value: "v=spf1 include:relay._spf.{domain} -all" }] }, { remove: [{ type: TXT, name: learner._domainkey }] }]'));
    expect(lesson.scenario?.zone).toEqual([
      { set: [{ type: 'TXT', name: '@', value: 'v=spf1 include:relay._spf.{domain} -all' }] },
      { remove: [{ type: 'TXT', name: 'learner._domainkey' }] },
    ]);
  });

  it('lets a step say Connect opens a world host, and a later step keeps it', () => {
    const lesson = parseLesson('lessons/01-seeded.md', lessonWith('  mailboxes: []', '    connect: { host: mx.example.test }'));
    expect(connectTarget(lesson, 0)).toEqual({ host: 'mx.example.test' });
    expect(() => parseLesson('lessons/01-seeded.md', lessonWith('  mailboxes: []', '    connect: { host: mx.nowhere.test }'))).toThrow(/steps\.0\.connect/);
  });
});
