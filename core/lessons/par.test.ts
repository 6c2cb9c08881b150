import { describe, expect, it } from 'vitest';
import { SessionTracker } from '../machines/session-tracker';
import { opening, wire } from '../machines/test-wire';
import { buildEvidence, type EvidenceSources } from './evidence';
import { lessonMetaSchema } from './lesson-schema';
import { commandsUsed, parStanding } from './par';

function conversation(id: string, script: string, origin = 'terminal', startedAt = 5_000) {
  return { id, origin, startedAt, lines: SessionTracker.replay(wire(script)).lines };
}

const used = (conversations: EvidenceSources['conversations'], since?: number) =>
  commandsUsed(buildEvidence({ conversations, messages: [], worldEvents: [] }, since === undefined ? undefined : { wall: since, clock: since }));

// EHLO, MAIL, RCPT, DATA, QUIT: five commands; the message text and its "." are none.
const delivery = `${opening('PIPELINING')}
  C: MAIL FROM:<learner@lab.test>
  S: 250 Accepted
  C: RCPT TO:<alice@example.test>
  S: 250 Accepted
  C: DATA
  S: 354 go ahead
  C: Subject: hi
  C:
  C: QUIT is only text here
  C: .
  S: 250 Ok: queued as ABC
  C: QUIT
  S: 221 Bye
  * closed`;

describe('commands the learner used', () => {
  it('counts the commands typed, not the message text nor the dot that ends it', () => {
    expect(used([conversation('t1', delivery)])).toBe(5);
  });

  it('counts every line of a pipelined batch, and a refused or mistyped command too', () => {
    const pipelined = `${opening('PIPELINING')}
      C: MAIL FROM:<learner@lab.test>
      C: RCPT TO:<nobody@example.test>
      C: DATA
      S: 250 Accepted
      S: 550 No such user
      S: 503 No valid recipients
      C: HLEO typo.test
      S: 500 Unrecognized command`;
    expect(used([conversation('t1', pipelined)])).toBe(5);
  });

  it('counts more for an attempt that takes a detour to the same end', () => {
    const detour = delivery.replace('C: MAIL FROM', 'C: NOOP\n S: 250 OK\n C: RSET\n S: 250 Flushed\n C: MAIL FROM');
    expect(used([conversation('t1', detour)])).toBe(used([conversation('t1', delivery)]) + 2);
  });

  it("adds up the learner's terminals, and leaves out the lab's relay hops and the compose form's client", () => {
    const conversations = [
      conversation('t1', delivery),
      conversation('t2', `${opening()}\n C: QUIT\n S: 221 Bye`),
      conversation('r1', delivery, 'relay'),
      conversation('c1', delivery, 'compose'),
    ];
    expect(used(conversations)).toBe(7);
  });

  it('counts only what happened since the lesson (re)started, as the goals do', () => {
    const conversations = [conversation('before', delivery, 'terminal', 1_000), conversation('after', `${opening()}\n C: QUIT\n S: 221 Bye`, 'terminal', 9_000)];
    expect(used(conversations)).toBe(7);
    expect(used(conversations, 8_000)).toBe(2);
  });
});

describe('standing against par', () => {
  it('is under, at or over', () => {
    expect([parStanding(7, 9), parStanding(9, 9), parStanding(11, 9)]).toEqual(['under', 'at', 'over']);
  });
});

describe('a par in the front matter', () => {
  const meta = (extra: object) => ({
    id: 'tiny',
    number: 1,
    part: 'casebook',
    title: 'A tiny challenge',
    summary: 'Only for these tests.',
    rfc: ['RFC 5321'],
    fixture: { view: 'terminal' },
    steps: [{ id: 'only', title: 'Say hello', goals: [{ id: 'ehlo', text: 'EHLO was answered', check: { reply: { code: 250, answers: 'EHLO' } } }] }],
    solution: [{ connect: 'welcoming' }],
    wrongAttempts: [{ name: 'nothing', actions: [{ connect: 'welcoming' }], unmet: ['ehlo'] }],
    ...extra,
  });
  const problem = (extra: object) => lessonMetaSchema.safeParse(meta(extra)).error?.issues[0];

  it('is optional, and counted in commands', () => {
    expect(lessonMetaSchema.parse(meta({})).par).toBeUndefined();
    expect(lessonMetaSchema.parse(meta({ par: { commands: 9 } })).par).toEqual({ commands: 9 });
  });

  it('is refused when it is no count of commands, or on a lesson without the terminal', () => {
    expect(problem({ par: { commands: 0 } })?.path).toEqual(['par', 'commands']);
    expect(problem({ par: { roundTrips: 4 } })?.path[0]).toBe('par');
    expect(problem({ par: { commands: 9 }, fixture: { view: 'compose' } })).toMatchObject({ path: ['par'], message: /typed in the terminal/ });
  });
});
