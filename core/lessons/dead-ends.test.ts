import type { WorldEvent } from '../world/world-events';
import { describe, expect, it } from 'vitest';
import { SessionTracker } from '../machines/session-tracker';
import { opening, wire } from '../machines/test-wire';
import { findDeadEnds } from './dead-ends';
import { describePredicate } from './describe-predicate';
import type { Evidence, LessonConversation, LessonMessage } from './evidence';
import { predicateSchema } from './predicates';
import { testLesson } from './test-lesson';

const lesson = testLesson;

function conversation(id: string, script: string, origin = 'terminal'): LessonConversation {
  return { id, origin, lines: SessionTracker.replay(wire(script)).lines };
}

function message(to: string, mailbox: string | null = null): LessonMessage {
  return { id: `m-${to}-${mailbox}`, envelopeFrom: 'learner@lab.test', envelopeTo: [to], mailbox, raw: 'Subject: hi\r\n\r\nHello\r\n' };
}

const evidence = (conversations: LessonConversation[], messages: LessonMessage[] = []): Evidence => ({ conversations, messages });

// Lesson 3's shape: a 503, then an accepted message in the same session.
const replyCodes = lesson([
  { id: 'wrong-order', title: 'Out of order', goals: [{ id: 'bad-sequence', text: 'The server answered 503', check: { reply: { code: 503 } } }] },
  {
    id: 'right-order',
    title: 'Then in the right order',
    goals: [
      {
        id: 'recovered',
        text: 'After the 503, a message was accepted in the same session',
        check: { sequence: [{ reply: { code: 503 } }, { reply: { code: 250, answers: '.' } }] },
      },
    ],
  },
]);

const the503 = `${opening()}
  C: RCPT TO:<alice@example.test>
  S: 503 5.5.1 Error: need MAIL command
  C: QUIT
  S: 221 Bye
  * closed`;
const inOrder = `${opening()}
  C: MAIL FROM:<learner@lab.test>
  S: 250 Accepted
  C: RCPT TO:<alice@example.test>
  S: 250 Accepted
  C: DATA
  S: 354 go ahead
  C: Hello
  C: .
  S: 250 Ok: queued as ABC`;

describe('dead ends: goals that cannot be met as things stand', () => {
  it('says nothing while the learner can still go on', () => {
    expect(findDeadEnds(replyCodes, evidence([]))).toEqual([]);
    // The 503 in the open conversation: the accepted message can still follow in it.
    const open503 = conversation('c1', `${opening()}\n C: RCPT TO:<a@b.test>\n S: 503 need MAIL`);
    expect(findDeadEnds(replyCodes, evidence([open503]))).toEqual([]);
    // Everything in one conversation: nothing is missing.
    const done = conversation('c1', `${the503.replace(/C: QUIT[\s\S]*/, '')}\n${inOrder.replace(opening(), '')}`);
    expect(findDeadEnds(replyCodes, evidence([done]))).toEqual([]);
  });

  it("names the 503 of lesson 3 that happened in an earlier session, and how to start over", () => {
    const dead = findDeadEnds(replyCodes, evidence([conversation('c1', the503), conversation('c2', inOrder)]));
    expect(dead).toHaveLength(1);
    expect(dead[0]?.kind).toBe('split');
    expect(dead[0]?.goals.map((goal) => goal.goal)).toEqual(['recovered']);
    expect(dead[0]?.missing).toEqual(['a 503 reply in the conversation that is open now']);
    expect(dead[0]?.why).toContain('same conversation');
    expect(dead[0]?.why).toContain('A 503 reply happened in an earlier conversation');
    expect(dead[0]?.restart).toMatch(/Connect/);
  });

  it('with every conversation over, asks for all the parts in one new conversation', () => {
    const closedInOrder = `${inOrder}\n C: QUIT\n S: 221 Bye\n * closed`;
    const dead = findDeadEnds(replyCodes, evidence([conversation('c1', the503), conversation('c2', closedInOrder)]));
    expect(dead.map((end) => end.kind)).toEqual(['split']);
    expect(dead[0]?.missing[0]).toBe('a 503 reply and a 250 reply to the lone dot that ends the data, in this order, in one conversation');
  });

  it('lists the goals a closed conversation left unmet, and not while a relay hop is still running', () => {
    const dead = findDeadEnds(replyCodes, evidence([conversation('c1', `${opening()}\n C: QUIT\n S: 221 Bye\n * closed`)]));
    expect(dead).toHaveLength(1);
    expect(dead[0]?.kind).toBe('closed');
    expect(dead[0]?.missing).toEqual(['The server answered 503', 'After the 503, a message was accepted in the same session']);
    expect(dead[0]?.restart).toMatch(/Press Connect/);

    // On the first step, the second step's goal is still ahead: its own text will ask for a new conversation.
    const onFirstStep = findDeadEnds(replyCodes, evidence([conversation('c1', `${opening()}\n C: QUIT\n S: 221 Bye\n * closed`)]), 0);
    expect(onFirstStep[0]?.missing).toEqual(['The server answered 503']);

    // Mail still in the queue may yet bring a relay hop that meets a goal.
    const quitEarly = [conversation('c1', `${opening()}\n C: QUIT\n S: 221 Bye\n * closed`)];
    const queued: WorldEvent = { type: 'queued', at: 1, queueId: 'Q1', kind: 'mail', from: 'learner@lab.test', to: ['alice@example.test'], conversation: 'c1' };
    expect(findDeadEnds(replyCodes, { ...evidence(quitEarly), worldEvents: [queued] })).toEqual([]);
    const dealtWith = { ...evidence(quitEarly), worldEvents: [queued, { type: 'done', at: 2, queueId: 'Q1' } as const] };
    expect(findDeadEnds(replyCodes, dealtWith).map((end) => end.kind)).toEqual(['closed']);

    const relayRunning = conversation('r1', `S: 220 mx.example.test ESMTP`, 'relay');
    const stillGoing = evidence([conversation('c1', `${opening()}\n C: QUIT\n S: 221 Bye\n * closed`), relayRunning]);
    expect(findDeadEnds(replyCodes, stillGoing)).toEqual([]);
  });

  // Lesson 2's shape: the envelope, then the message in alice's mailbox.
  const firstTransaction = lesson([
    { id: 'envelope', title: 'The envelope', goals: [{ id: 'rcpt-ok', text: 'RCPT TO was accepted', check: { reply: { code: 250, answers: 'RCPT' } } }] },
    { id: 'content', title: 'The message', goals: [{ id: 'delivered', text: "The message is in alice's mailbox", check: { message: { to: 'alice@example.test' } } }] },
    { id: 'second', title: 'To carol', goals: [{ id: 'carol', text: 'Carol has it', check: { message: { to: 'carol@example.test' } } }] },
  ]);

  it("says the mail went to bob, not alice, from the goal's own recipient", () => {
    const dead = findDeadEnds(firstTransaction, evidence([conversation('c1', inOrder)], [message('bob@example.test')]));
    const alice = dead.find((end) => end.goals[0]?.goal === 'delivered');
    expect(alice?.kind).toBe('wrong-message');
    expect(alice?.why).toBe('Mail arrived for bob@example.test, not for alice@example.test.');
    expect(alice?.missing).toEqual(['a message to alice@example.test']);
    expect(alice?.restart).toMatch(/MAIL FROM/);
  });

  it('does not count mail another goal asks for as a miss (alice first, carol later)', () => {
    const dead = findDeadEnds(firstTransaction, evidence([conversation('c1', inOrder)], [message('alice@example.test')]));
    expect(dead).toEqual([]);
  });

  it('compares a mailbox goal with delivered copies only, not with the copy the lab accepted', () => {
    const mailbox = lesson([
      { id: 'in', title: 'In the mailbox', goals: [{ id: 'in-box', text: 'Alice has it', check: { message: { mailbox: 'alice@example.test' } } }] },
    ]);
    const open = [conversation('c1', inOrder)];
    expect(findDeadEnds(mailbox, evidence(open, [message('alice@example.test')]))).toEqual([]);
    const dead = findDeadEnds(mailbox, evidence(open, [message('bob@example.test', 'bob@example.test')]));
    expect(dead[0]?.why).toBe("Mail was delivered into bob@example.test's mailbox, not alice@example.test's.");
  });

  it("says a copy in the right mailbox is not the one the goal describes, rather than naming the mailbox twice", () => {
    const overTls = lesson([
      { id: 'tls', title: 'Over TLS', goals: [{ id: 'bob-tls', text: 'Bob has it, over TLS', check: { message: { mailbox: 'bob@example.test', header: { name: 'Received', matches: 'ESMTPS' } } } }] },
    ]);
    const dead = findDeadEnds(overTls, evidence([conversation('c1', inOrder)], [message('bob@example.test', 'bob@example.test')]));
    expect(dead[0]?.why).toBe("Mail was delivered into bob@example.test's mailbox, but it is not a message in bob@example.test's mailbox with a Received: header containing “ESMTPS”.");
  });

  it('says mail that must never arrive did, and that only a restart helps', () => {
    const never = lesson([
      { id: 'none', title: 'Nobody gets it', goals: [{ id: 'no-nobody', text: 'Nobody got it', check: { noMessage: { mailbox: 'nobody@example.test' } } }] },
    ]);
    expect(findDeadEnds(never, evidence([conversation('c1', inOrder)], []))).toEqual([]);
    const dead = findDeadEnds(never, evidence([conversation('c1', inOrder)], [message('nobody@example.test', 'nobody@example.test')]));
    expect(dead[0]?.kind).toBe('unwanted-message');
    expect(dead[0]?.restart).toMatch(/restart the lesson/);
  });
});

describe('goals in plain words', () => {
  it('reads predicates the way a learner would say them', () => {
    const say = (predicate: unknown) => describePredicate(predicateSchema.parse(predicate));
    expect(say({ reply: { code: 220, answers: 'greeting' } })).toBe('a 220 reply as the greeting');
    expect(say({ reply: { code: 250, answers: 'EHLO', multiline: true } })).toBe('a 250 reply of several lines to EHLO');
    expect(say({ sequence: [{ reply: { code: 221, answers: 'QUIT' } }, { state: 'closed' }] })).toBe(
      'a 221 reply to QUIT, then the session in the "closed" state',
    );
    expect(say({ message: { mailbox: 'alice@example.test', from: '' } })).toBe("a message in alice@example.test's mailbox from the null sender <>");
    expect(say({ noMessage: { mailbox: 'nobody@example.test' } })).toBe("no message in nobody@example.test's mailbox");
  });
});
