import { describe, expect, it } from 'vitest';
import { SessionTracker } from '../machines/session-tracker';
import { opening, wire } from '../machines/test-wire';
import { checkLesson } from './check-goals';
import type { Evidence, LessonConversation } from './evidence';
import { goalMet, greetingHost } from './learner-goals';
import { goalSchema, stepSchema, type Goal } from './lesson-schema';
import { parseLesson } from './parse-lesson';

const conversation = (id: string, origin: string, script: string): LessonConversation => ({
  id,
  origin,
  lines: SessionTracker.replay(wire(script)).lines,
});

const mine = conversation(
  'c1',
  'terminal',
  `${opening()}
  C: MAIL FROM:<learner@lab.test>
  S: 250 2.1.0 Ok
  C: RCPT TO:<greylist@example.test>
  S: 250 2.1.5 Ok
  C: DATA
  S: 354 go
  C: .
  S: 250 2.0.0 Ok: queued as Q7XK2`,
);
const hop = conversation(
  'h1',
  'relay',
  `S: 220 mx.example.test ESMTP
  C: EHLO smtp.lab.test
  S: 250-mx.example.test
  S: 250 PIPELINING
  C: MAIL FROM:<learner@lab.test>
  S: 250 2.1.0 Ok
  C: RCPT TO:<greylist@example.test>
  S: 451-4.7.1 Greylisted:
  S: 451 4.7.1 please try again later`,
);

const goal = (value: unknown): Goal => goalSchema.parse(value);
const on = (input: Partial<Evidence>): Evidence => ({ conversations: [mine, hop], messages: [], ...input });
const lineOf = (c: LessonConversation, text: string) => c.lines.findIndex((line) => line.event.text.startsWith(text));

describe('evidence goals: the line the learner selected', () => {
  const deferral = goal({ id: 'why', text: 'Select the reply that deferred it', select: { reply: { code: '4xx', answers: 'RCPT' } }, scope: { origin: 'relay' } });

  it('is met when the selected line is the reply the predicate names, whichever of its lines was clicked', () => {
    expect(goalMet(deferral, on({ selections: { why: { conversation: 'h1', line: lineOf(hop, '451 ') } } }))).toBe(true);
    expect(goalMet(deferral, on({ selections: { why: { conversation: 'h1', line: lineOf(hop, '451-') } } }))).toBe(true);
  });

  it('is unmet with no selection, another line selected, or a line outside its scope', () => {
    expect(goalMet(deferral, on({}))).toBe(false);
    expect(goalMet(deferral, on({ selections: { why: { conversation: 'h1', line: lineOf(hop, '250 2.1.0') } } }))).toBe(false);
    const inTerminal = goal({ ...deferral, select: { reply: { code: 250, answers: 'RCPT' } } });
    expect(goalMet(inTerminal, on({ selections: { why: { conversation: 'c1', line: lineOf(mine, '250 2.1.5') } } }))).toBe(false);
    expect(goalMet({ ...inTerminal, scope: { origin: 'terminal' } }, on({ selections: { why: { conversation: 'c1', line: lineOf(mine, '250 2.1.5') } } }))).toBe(true);
  });
});

describe('question goals: an answer checked against the real conversation', () => {
  const queueId = goal({
    id: 'qid',
    text: 'Type the queue id',
    answer: { from: { reply: { code: 250, answers: '.' } }, capture: 'queued as (\\S+)' },
    scope: { origin: 'terminal' },
  });

  it('accepts the value the conversation holds, however it is spaced or cased, and nothing else', () => {
    expect(goalMet(queueId, on({ answers: { qid: ' q7xk2 ' } }))).toBe(true);
    expect(goalMet(queueId, on({ answers: { qid: 'Q7XK3' } }))).toBe(false);
    expect(goalMet(queueId, on({ answers: { qid: '' } }))).toBe(false);
    expect(goalMet(queueId, on({}))).toBe(false);
    // The same id in a conversation that is not the learner's own does not count.
    expect(goalMet(queueId, { conversations: [{ ...mine, origin: 'relay' }], messages: [], answers: { qid: 'Q7XK2' } })).toBe(false);
  });

  it('reads a status code or a host from the conversation', () => {
    const code = goal({ id: 'code', text: 'Which code deferred it?', answer: { from: { reply: { answers: 'RCPT', code: '4xx' } }, capture: '^(\\d{3})' } });
    expect(goalMet(code, on({ answers: { code: '451' } }))).toBe(true);
    expect(goalMet(code, on({ answers: { code: '450' } }))).toBe(false);
    const host = goal({ id: 'host', text: 'Which host deferred it?', answer: { from: { reply: { answers: 'greeting' } }, capture: '^220 (\\S+)' }, scope: { origin: 'relay' } });
    expect(goalMet(host, on({ answers: { host: 'mx.example.test' } }))).toBe(true);
    expect(goalMet(host, on({ answers: { host: 'lab.test' } }))).toBe(false);
  });

  it('takes one of several choices', () => {
    const who = goal({ id: 'who', text: 'Who sends the bounce?', answer: { choices: ['the lab', 'mx.example.test'], correct: 'the lab' } });
    expect(goalMet(who, on({ answers: { who: 'the lab' } }))).toBe(true);
    expect(goalMet(who, on({ answers: { who: 'mx.example.test' } }))).toBe(false);
    expect(() => goal({ ...who, answer: { choices: ['a', 'b'], correct: 'c' } })).toThrow(/one of the choices/);
  });
});

describe('scope', () => {
  it('lets a goal count only conversations with a given world host', () => {
    expect(greetingHost(hop)).toBe('mx.example.test');
    const deferred = { id: 'd', text: 'deferred', check: { reply: { code: 451 } } };
    expect(goalMet(goal({ ...deferred, scope: { host: 'mx.example.test' } }), on({}))).toBe(true);
    expect(goalMet(goal({ ...deferred, scope: { host: 'lab.test' } }), on({}))).toBe(false);
    expect(goalMet(goal({ ...deferred, scope: { origin: 'terminal' } }), on({}))).toBe(false);
  });
});

describe('the checklist', () => {
  it('says an answered question goal was tried, so the player can say it is wrong', () => {
    const text = `---
id: t
number: 99
part: talking
title: Test
summary: A lesson to test question goals.
rfc: ["RFC 5321 §4.2"]
fixture: { view: terminal }
steps:
  - id: s
    title: Ask
    goals:
      - { id: code, text: Which code?, answer: { from: { reply: { code: 4xx } }, capture: "^(\\\\d{3})" } }
solution: [{ connect: welcoming }, { answer: { goal: code, from: "^(4\\\\d\\\\d)" } }]
wrongAttempts:
  - { name: wrong code, actions: [{ connect: welcoming }, { answer: { goal: code, value: "500" } }], unmet: [code] }
---
## Ask
`;
    const lesson = parseLesson('t.md', text);
    const progress = checkLesson(lesson, on({ answers: { code: '500' } }));
    expect(progress.goals).toEqual([{ step: 's', goal: 'code', text: 'Which code?', met: false, tried: true }]);
    expect(checkLesson(lesson, on({ answers: { code: '451' } })).complete).toBe(true);
    expect(() => parseLesson('t.md', text.replace('{ answer: { goal: code, value', '{ select: { goal: code, line'))).toThrow(/no evidence \(select\) goal/);
  });
});

describe('challenge steps', () => {
  const step = { id: 's', title: 'A challenge', challenge: true, goals: [{ id: 'g', text: 'A goal', check: { tls: true } }] };
  it('need graduated hints: a nudge, then the concept, then the command', () => {
    expect(stepSchema.parse({ ...step, hints: [{ nudge: 'Think.' }, { concept: 'An idea.' }, { command: 'STARTTLS' }] }).challenge).toBe(true);
    expect(() => stepSchema.parse({ ...step, hints: [{ command: 'STARTTLS' }, { nudge: 'Think.' }, { concept: 'An idea.' }] })).toThrow(/nudge, then concept, then command/);
    expect(() => stepSchema.parse({ ...step, hints: ['STARTTLS, then EHLO again'] })).toThrow(/nudge, then concept, then command/);
  });
});
