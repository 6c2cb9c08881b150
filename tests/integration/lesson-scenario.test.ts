/**
 * A lesson's scenario over real SMTP: the records it changes are what the lab DNS answers and the
 * relay follows, the hosts it changes behave so on the wire, its seeded message is in the mailbox
 * as a delivered one is, its queue entry waits and is retried when the clock moves, a terminal can
 * talk to a world host directly — all in one lab only, and undone exactly when the lesson restarts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../bridge/lab/lab-types';
import { UnreachableHostError } from '../../bridge/lab/lab-types';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { LESSONS_DIR } from '../../bridge/lessons/load-lessons';
import { replayActions } from '../../bridge/lessons/replay';
import { scenarioSchema } from '../../core/lessons/scenario-schema';
import { checkLesson } from '../../core/lessons/check-goals';
import type { Evidence } from '../../core/lessons/evidence';
import type { LessonAction } from '../../core/lessons/lesson-schema';
import { parseLesson } from '../../core/lessons/parse-lesson';
import { splitHeaders, headerValue } from '../../core/mail/header-fields';
import { allParts, mimeStructure } from '../../core/mail/mime';
import type { WorldDescription, WorldEvent } from '../../core/world/world-events';
import { Browser } from '../support/hosted-browser';
import { startHostedTestBridge, type HostedTestBridge } from '../support/lab-process';
import { eventually, startLab } from './smtp-client';

const RETRY_IN = 10 * 60_000;

/** A lesson file as a teacher writes one, with a scenario; its goals read what the scenario made. */
const LESSON = parseLesson(
  'lessons/90-scenario.md',
  `---
id: scenario
number: 90
part: talking
title: A lesson with a scenario
summary: Changed records and hosts, a message to read, one waiting in the queue.
rfc: ["RFC 5321 §5.1"]
fixture: { view: terminal }
scenario:
  world:
    domains:
      # The preferred MX, which is down, is gone: the relay goes straight to mx2.
      - name: fallback.test
        mx: [{ preference: 10, exchange: mx2.fallback.test }]
      # lab.test's SPF no longer lists the relay: mail from lab.test fails SPF (DKIM still passes).
      - name: lab.test
        txt:
          - { name: lab.test, text: "v=spf1 -all" }
          - { name: _dmarc.lab.test, text: "v=DMARC1; p=none" }
    hosts:
      - name: mx.example.test
        maxMessageSize: 2048
        behaviour: Takes messages of 2 KB at most
      - name: mx.greylist.test
        up: false
        behaviour: "Down: refuses every connection"
  mailboxes:
    - mailbox: alice@example.test
      from: ceo@fallback.test
      raw: |
        Received: from mx2.fallback.test (mx2.fallback.test [192.0.2.32])
                by mx.example.test with ESMTP id SEED1; Fri, 4 Dec 2026 09:00:00 +0000
        From: The CEO <ceo@fallback.test>
        To: alice@example.test
        Subject: Urgent: gift cards
        Date: Fri, 4 Dec 2026 08:59:00 +0000
        Message-ID: <seed1@fallback.test>
        MIME-Version: 1.0
        Content-Type: multipart/alternative; boundary="b1"

        --b1
        Content-Type: text/plain; charset=utf-8

        Buy them now.
        --b1
        Content-Type: text/html; charset=utf-8

        <p>Buy them now.</p>
        --b1--
  queue:
    - from: learner@lab.test
      to: [bob@example.test]
      attempts: 2
      retryIn: ${RETRY_IN}
      last: "451 4.3.0 Temporary local problem, try again later"
      raw: |
        From: learner@lab.test
        To: bob@example.test
        Subject: Still waiting

        Sent a while ago.
steps:
  - id: read
    title: Read it
    connect: { host: mx.example.test }
    goals:
      - id: seeded
        text: The CEO's message is in alice's mailbox
        check: { message: { mailbox: alice@example.test, header: { name: Subject, matches: gift cards } } }
      - id: by-hand
        text: You delivered to carol yourself, talking to mx.example.test
        scope: { host: mx.example.test, origin: terminal }
        check: { all: [{ reply: { code: 250, answers: RCPT, command: carol } }, { reply: { code: 250, answers: . } }] }
solution:
  - connect: { host: mx.example.test }
wrongAttempts:
  - name: nothing
    actions: [{ connect: welcoming }]
    unmet: [by-hand]
---
Intro.

## Read it

Text.
`,
);
const SCENARIO = LESSON.scenario;
if (!SCENARIO) throw new Error('the test lesson has no scenario');

const DELIVER_TO_CAROL: LessonAction[] = [
  { type: 'EHLO relay.lab.test' },
  { type: 'MAIL FROM:<learner@lab.test>' },
  { type: 'RCPT TO:<carol@example.test>' },
  { type: 'DATA' },
  { type: 'From: learner@lab.test' },
  { type: 'Subject: By hand' },
  { type: '' },
  { type: 'I am the MTA now.' },
  { type: '.' },
  { type: 'QUIT' },
];

const serverLines = (evidence: Evidence, origin: string) =>
  evidence.conversations.filter((c) => c.origin === origin).flatMap((c) => c.lines.filter((l) => l.event.dir === 'server').map((l) => l.event.text));
const eventsOf = <T extends WorldEvent['type']>(events: readonly WorldEvent[] | undefined, type: T) =>
  (events ?? []).filter((event): event is Extract<WorldEvent, { type: T }> => event.type === type);

describe('a lesson scenario in one lab', () => {
  let lab: Lab;
  let stop: () => Promise<void>;
  let normal: WorldDescription;

  beforeAll(async () => {
    ({ lab, stop } = await startLab({ world: { timing: { retryBaseMs: 60_000 } } }));
    normal = lab.describeWorld();
  });
  afterAll(() => stop());
  afterEach(async () => {
    lab.applyScenario(null);
    await lab.worldSettled();
  });

  it('answers the changed records from the lab DNS, and the relay and the MX follow them', async () => {
    const evidence = await replayActions(
      lab,
      [
        { connect: 'welcoming' },
        { type: 'EHLO learner.test' },
        { type: 'MAIL FROM:<learner@lab.test>' },
        { type: 'RCPT TO:<friend@fallback.test>' },
        { type: 'RCPT TO:<alice@example.test>' },
        { type: 'DATA' },
        { type: 'From: learner@lab.test' },
        { type: 'Subject: Which way?' },
        { type: '' },
        { type: 'Hello.' },
        { type: '.' },
        { type: 'QUIT' },
      ],
      SCENARIO,
    );
    const fallback = lab.describeWorld().domains.find((d) => d.name === 'fallback.test');
    expect(fallback?.answer.candidates.map((c) => c.exchange)).toEqual(['mx2.fallback.test']);
    const lookup = eventsOf(evidence.worldEvents, 'dns.lookup').find((e) => e.query.name === 'fallback.test');
    expect(lookup?.answer.records).toEqual([{ preference: 10, exchange: 'mx2.fallback.test' }]);
    // Straight to mx2: the preferred host, down in the normal world, is no longer tried.
    expect(eventsOf(evidence.worldEvents, 'relay.unreachable')).toEqual([]);
    expect(lab.mailbox('friend@fallback.test')).toHaveLength(1);
    // The MX read lab.test's new SPF record: the relay's address is no longer allowed (DKIM still passes).
    const auth = eventsOf(evidence.worldEvents, 'auth').find((e) => e.host === 'mx.example.test');
    expect(auth).toMatchObject({ fromDomain: 'lab.test', spf: 'fail', dkim: 'pass', dmarc: 'pass' });
  });

  it('connects the terminal straight to a world host, which behaves as the scenario says', async () => {
    const evidence = await replayActions(lab, [{ connect: { host: 'mx.example.test' } }, { type: 'EHLO relay.lab.test' }, { type: 'MAIL FROM:<learner@lab.test> SIZE=4096' }, { type: 'QUIT' }], SCENARIO);
    const lines = serverLines(evidence, 'terminal');
    expect(lines[0]).toMatch(/^220 mx\.example\.test ESMTP/);
    expect(lines).toContain('250 SIZE 2048');
    expect(lines.find((line) => line.startsWith('552'))).toMatch(/^552 5\.3\.4 /);
    await expect(lab.openTerminal({ host: 'mx.greylist.test' })).rejects.toBeInstanceOf(UnreachableHostError);
  });

  it('lets the learner be the MTA: a message delivered by hand to the MX, which goals scoped to that host see', async () => {
    const evidence = await replayActions(lab, [{ connect: { host: 'mx.example.test' } }, ...DELIVER_TO_CAROL], SCENARIO);
    const carol = lab.mailbox('carol@example.test');
    expect(carol.at(-1)?.subject).toBe('By hand');
    // The host saw the lab's relay dial in: its Received: line names it.
    expect(lab.getRawMessage(carol.at(-1)?.id ?? '')?.toString()).toMatch(/^Return-Path: <learner@lab\.test>\r\nReceived: from relay\.lab\.test \(\S* ?\[192\.0\.2\.10\]\)/);
    const progress = checkLesson(LESSON, evidence);
    expect(progress.goals.find((goal) => goal.goal === 'by-hand')?.met).toBe(true);
    // The same delivery through the lab's own server reaches carol too, but not by the learner's hand.
    const relayed = checkLesson(LESSON, await replayActions(lab, [{ connect: 'welcoming' }, ...DELIVER_TO_CAROL], SCENARIO));
    expect(relayed.goals.find((goal) => goal.goal === 'by-hand')?.met).toBe(false);
  });

  it('puts the seeded message in the mailbox as a delivered one, its headers and MIME parsed', async () => {
    const evidence = await replayActions(lab, [{ settle: true }], SCENARIO);
    const [copy, ...more] = lab.mailbox('alice@example.test').filter((m) => m.subject.startsWith('Urgent'));
    expect(more).toEqual([]);
    expect(copy).toMatchObject({ envelopeFrom: 'ceo@fallback.test', from: 'The CEO <ceo@fallback.test>', subject: 'Urgent: gift cards', mailbox: 'alice@example.test' });
    expect(lab.listMessages().some((m) => m.id === copy?.id)).toBe(true);
    const raw = lab.getRawMessage(copy?.id ?? '') ?? Buffer.alloc(0);
    const { headers } = splitHeaders(raw.toString('utf8'));
    expect(headers.map((h) => h.name)).toEqual(['Return-Path', 'Received', 'From', 'To', 'Subject', 'Date', 'Message-ID', 'MIME-Version', 'Content-Type']);
    expect(headerValue(headers, 'return-path')).toBe('<ceo@fallback.test>');
    expect(raw.toString('utf8')).not.toMatch(/[^\r]\n/);
    expect(allParts(mimeStructure(raw)).map((part) => part.type)).toEqual(['multipart/alternative', 'text/plain', 'text/html']);
    expect(eventsOf(evidence.worldEvents, 'stored').some((e) => e.messageId === copy?.id)).toBe(true);
    expect(checkLesson(LESSON, evidence).goals.find((goal) => goal.goal === 'seeded')?.met).toBe(true);
  });

  it('holds the seeded message in the relay queue, deferred, until the clock reaches its retry', async () => {
    const before = lab.clockNow();
    lab.applyScenario(SCENARIO);
    expect(lab.relayQueue().held).toBe(1);
    const deferred = eventsOf(lab.worldEvents(), 'recipient').filter((e) => e.recipient === 'bob@example.test').at(-1);
    expect(deferred).toMatchObject({ outcome: 'deferred', attempt: 2, status: '4.3.0', response: '451 4.3.0 Temporary local problem, try again later' });
    expect((deferred?.retryAt ?? 0) - (deferred?.at ?? 0)).toBe(RETRY_IN);
    expect(deferred?.at).toBeGreaterThanOrEqual(before);
    const waiting = lab.mailbox('bob@example.test').length;
    await lab.advanceClock(RETRY_IN - 1000);
    await lab.worldSettled();
    expect(lab.relayQueue().held).toBe(1);
    await lab.advanceClock(1000);
    await lab.worldSettled();
    expect(lab.relayQueue().held).toBe(0);
    const retried = eventsOf(lab.worldEvents(), 'recipient').filter((e) => e.recipient === 'bob@example.test').at(-1);
    expect(retried).toMatchObject({ outcome: 'delivered', attempt: 3 });
    expect(lab.mailbox('bob@example.test')).toHaveLength(waiting + 1);
  });

  it('applies the example scenario of lessons/README.md, so the page teachers copy from works', async () => {
    const readme = await readFile(join(LESSONS_DIR, 'README.md'), 'utf8');
    const example = /### Scenarios[\s\S]*?```yaml\n([\s\S]*?)\n```/.exec(readme)?.[1];
    const scenario = scenarioSchema.parse((parseYaml(example ?? '') as { scenario: unknown }).scenario);
    lab.applyScenario(scenario);
    expect(lab.mailbox('alice@example.test').some((m) => m.subject === 'Urgent: gift cards')).toBe(true);
    expect(lab.relayQueue().held).toBe(1);
    expect(lab.describeWorld().hosts.find((h) => h.name === 'mx.example.test')?.maxMessageSize).toBe(2048);
  });

  it('takes a seeded message out even while an attempt carries it: no retry follows, the queue counts it once', async () => {
    const slow: typeof SCENARIO = {
      mailboxes: [],
      queue: [{ from: 'learner@lab.test', to: ['slow@example.test', 'tempfail@example.test'], attempts: 1, retryIn: 60_000, last: '451 4.3.0 Later', raw: 'Subject: Slowly\n\nSlowly.\n' }],
    };
    lab.applyScenario(slow);
    const queueId = eventsOf(lab.worldEvents(), 'queued').at(-1)?.queueId;
    const attempt = lab.advanceClock(60_000);
    await eventually(() => eventsOf(lab.worldEvents(), 'relay.connecting').some((e) => e.queueId === queueId));
    lab.applyScenario(null);
    await attempt;
    await lab.worldSettled();
    expect(lab.relayQueue().held).toBe(0);
    await lab.advanceClock(24 * 3600_000);
    await lab.worldSettled();
    const attempts = eventsOf(lab.worldEvents(), 'relay.connecting').filter((e) => e.queueId === queueId);
    expect(attempts.map((e) => e.attempt)).toEqual([2]);
    expect(lab.kept().bytes).toBeGreaterThan(0);
  });

  it('restores the world exactly when the lesson restarts or closes', async () => {
    lab.applyScenario(SCENARIO);
    expect(lab.describeWorld()).not.toEqual(normal);
    const seeded = () => lab.mailbox('alice@example.test').filter((m) => m.subject.startsWith('Urgent'));
    expect(seeded()).toHaveLength(1);
    // Restarting applies it anew: one copy, one queue entry, not two.
    lab.applyScenario(SCENARIO);
    expect(seeded()).toHaveLength(1);
    expect(lab.relayQueue().held).toBe(1);
    // A page that reloads asks for the scenario the lab holds: nothing changes.
    const id = seeded()[0]?.id;
    lab.applyScenario(SCENARIO, { fresh: false });
    expect(seeded()[0]?.id).toBe(id);

    const stillWaiting = () => lab.mailbox('bob@example.test').filter((m) => m.subject === 'Still waiting').length;
    const delivered = stillWaiting();
    lab.applyScenario(null);
    expect(lab.describeWorld()).toEqual(normal);
    expect(seeded()).toEqual([]);
    expect(lab.relayQueue().held).toBe(0);
    // The host that took only 2 KB, and the one that was down, are themselves again.
    const evidence = await replayActions(lab, [{ connect: { host: 'mx.example.test' } }, { type: 'EHLO relay.lab.test' }, { type: 'QUIT' }]);
    expect(serverLines(evidence, 'terminal')).toContain('250 SIZE 10485760');
    const greylist = await lab.openTerminal({ host: 'mx.greylist.test' });
    expect(greylist.closed).toBe(false);
    greylist.close();
    // The retry the queue entry was waiting for never comes.
    await lab.advanceClock(RETRY_IN);
    await lab.worldSettled();
    expect(stillWaiting()).toBe(delivered);
  });
});

describe('a lesson scenario in hosted mode', () => {
  let bridge: HostedTestBridge;

  beforeAll(async () => {
    bridge = await startHostedTestBridge({ limits: { labsPerAddress: 20 } });
  });
  afterAll(() => bridge.close());

  it('changes the world of the lab that applied it, and no other', async () => {
    const ada = new Browser(bridge);
    const bea = new Browser(bridge);
    await ada.get('/');
    await bea.get('/');
    const socket = await ada.socket();
    try {
      await socket.welcome();
      socket.send({ type: 'scenario.apply', scenario: SCENARIO });
      const changed = await socket.next((m) => m.type === 'world.changed');
      const mxOf = (world: WorldDescription) => world.domains.find((d) => d.name === 'fallback.test')?.mx.map((r) => r.exchange);
      expect(changed.type === 'world.changed' && mxOf(changed.world)).toEqual(['mx2.fallback.test']);
      expect(changed.type === 'world.changed' && changed.mailboxes.map((box) => box.address)).toContain('alice@example.test');
      expect(mxOf(await ada.json<WorldDescription>('/api/world'))).toEqual(['mx2.fallback.test']);
      expect(mxOf(await bea.json<WorldDescription>('/api/world'))).toEqual(['mx1.fallback.test', 'mx2.fallback.test']);
      const mailboxes = (browser: Browser) => browser.json<Array<{ address: string }>>('/api/mailboxes');
      expect((await mailboxes(ada)).map((box) => box.address)).toContain('alice@example.test');
      expect((await mailboxes(bea)).map((box) => box.address)).not.toContain('alice@example.test');
      expect((await bea.json<{ held: number }>('/api/queue')).held).toBe(0);
      expect((await ada.json<{ held: number }>('/api/queue')).held).toBe(1);

      // Back to the lesson list: the lab's own world again.
      socket.send({ type: 'scenario.apply', scenario: null });
      const restored = await socket.next((m) => m.type === 'world.changed');
      // The page learns the mailboxes as they are now: the seeded one is gone.
      expect(restored.type === 'world.changed' && restored.mailboxes.map((box) => box.address)).not.toContain('alice@example.test');
      expect(mxOf(await ada.json<WorldDescription>('/api/world'))).toEqual(['mx1.fallback.test', 'mx2.fallback.test']);
      await eventually(async () => (await ada.json<{ held: number }>('/api/queue')).held === 0);
    } finally {
      socket.close();
    }
  });
});
