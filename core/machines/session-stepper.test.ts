import { describe, expect, it } from 'vitest';
import type { WireEvent } from '../wire';
import { sessionMachine } from './session-machine';
import { SESSION_STATES } from './session-model';
import { compileSteps } from './session-stepper';
import { SessionTracker } from './session-tracker';
import { opening, wire } from './test-wire';

/** A small seeded generator, so a failure names a conversation that can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const CLIENT_LINES = [
  'EHLO client.test', 'HELO client.test', 'MAIL FROM:<learner@lab.test>', 'MAIL FROM:<>', 'RCPT TO:<bob@example.test>',
  'RCPT TO:<nobody@example.test>', 'DATA', '.', 'Subject: hi', '', '..leading dot', 'RSET', 'NOOP', 'QUIT', 'STARTTLS',
  'AUTH PLAIN', 'AUTH PLAIN AGxlYXJuZXIAbGVhcm5lcg==', 'AUTH LOGIN', 'bGVhcm5lcg==', '*', 'BDAT 12', 'BDAT 5 LAST',
  'BDAT 0 LAST', 'hello world!', 'VRFY bob', 'gibberish',
];
const REPLIES = [
  ['220 lab.test ESMTP'], ['250 OK'], ['250-lab.test', '250-PIPELINING', '250-SIZE 1000', '250 STARTTLS'], ['251 forwarded'],
  ['354 go ahead'], ['334 '], ['334 VXNlcm5hbWU6'], ['235 2.7.0 Accepted'], ['221 Bye'], ['421 4.3.2 closing'],
  ['450 4.2.0 later'], ['452 4.5.3 too many'], ['500 5.5.2 what?'], ['503 5.5.1 bad sequence'], ['530 5.7.0 auth first'],
  ['535 5.7.8 no'], ['550 5.1.1 unknown'], ['552 5.3.4 too big'], ['554 5.7.1 refused'], ['not a reply'],
];

const PIPELINED_AUTH = [
  ['AUTH PLAIN', 'AGxlYXJuZXIAbGVhcm5lcg=='],
  ['AUTH LOGIN', 'bGVhcm5lcg==', 'bGVhcm5lcg==', 'MAIL FROM:<learner@lab.test>'],
  ['AUTH LOGIN bGVhcm5lcg==', 'bGVhcm5lcg==', 'NOOP'],
];

/** Replies that a command usually gets, so random conversations get deep into the machine. */
const LIKELY: Record<string, string[][]> = {
  EHLO: [['250-lab.test', '250-PIPELINING', '250 CHUNKING'], ['250-lab.test', '250 PIPELINING']], HELO: [['250 lab.test']], MAIL: [['250 OK'], ['550 no']],
  RCPT: [['250 OK'], ['251 forwarded'], ['550 5.1.1 unknown']], DATA: [['354 go ahead'], ['503 no recipients']],
  '.': [['250 queued'], ['450 later'], ['554 refused']], RSET: [['250 OK']], QUIT: [['221 Bye']], STARTTLS: [['220 go']],
  AUTH: [['334 '], ['235 ok'], ['535 no']], BDAT: [['250 chunk'], ['250 done']], NOOP: [['250 OK']],
};

/**
 * A random conversation: mostly commands each answered as a server might (sometimes pipelined
 * two or three deep), with stray lines, stray replies, TLS and closes thrown in.
 */
function conversation(next: () => number, length: number): WireEvent[] {
  const events: WireEvent[] = [];
  const base = { conversation: 'fuzz', hop: 0, tls: false };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  let at = 0;
  const reply = (lines: string[]) => lines.forEach((text) => events.push({ ...base, at: at++, dir: 'server', text }));
  if (next() < 0.9) reply(next() < 0.9 ? ['220 lab.test ESMTP'] : ['554 go away']);
  while (events.length < length) {
    const roll = next();
    if (roll < 0.75) {
      // A whole transaction now and then, since one made of random picks is rare.
      const transaction = ['MAIL FROM:<learner@lab.test>', 'RCPT TO:<bob@example.test>', next() < 0.7 ? 'DATA' : 'BDAT 12'];
      const group = next();
      const lines =
        group < 0.3 ? transaction
        // AUTH pipelined with its responses, which only the replies can settle.
        : group < 0.4 ? pick(PIPELINED_AUTH)
        : Array.from({ length: next() < 0.7 ? 1 : 2 + Math.floor(next() * 2) }, () => pick(CLIENT_LINES));
      // Some lines end in a bare LF, which never ends DATA.
      for (const text of lines) events.push({ ...base, at: at++, dir: 'client', text, ...(next() < 0.15 ? { bareLf: true } : {}) });
      for (const text of lines) {
        const verb = text === '.' ? '.' : (text.split(' ')[0] ?? '').toUpperCase();
        reply(LIKELY[verb] && next() < 0.85 ? pick(LIKELY[verb]) : pick(REPLIES));
        if (verb === 'STARTTLS' && next() < 0.8) events.push({ ...base, at: at++, dir: 'info', info: 'tls', text: '' });
      }
    } else if (roll < 0.9) events.push({ ...base, at: at++, dir: 'client', text: pick(CLIENT_LINES) });
    else if (roll < 0.98) reply(pick(REPLIES));
    else events.push({ ...base, at: at++, dir: 'info', info: next() < 0.5 ? 'tls' : 'closed', text: '' });
  }
  return events;
}

/** Both engines, event by event: the same state and the same context after every one. */
function expectSameSteps(events: WireEvent[], label: string): string[] {
  const actor = new SessionTracker({ keepLines: false });
  const stepper = new SessionTracker({ keepLines: false, engine: 'stepper' });
  const seen: string[] = [];
  events.forEach((event, index) => {
    const lineOfActor = actor.push(event);
    const lineOfStepper = stepper.push(event);
    const where = `${label}, event ${index}: ${event.dir} ${JSON.stringify(event.text)}`;
    expect(stepper.state, where).toBe(actor.state);
    expect(stepper.context, where).toEqual(actor.context);
    expect(lineOfStepper, where).toEqual(lineOfActor);
    if (lineOfActor.transition) seen.push(lineOfActor.transition.to);
  });
  return seen;
}

describe('the session stepper', () => {
  it('reads written conversations exactly as the XState actor does', () => {
    const scripts = [
      `${opening('PIPELINING', 'STARTTLS')}\nC: STARTTLS\nS: 220 go\n* tls\n${opening('AUTH PLAIN LOGIN')}\nC: AUTH PLAIN AGxlYXJuZXIAbGVhcm5lcg==\nS: 235 ok\nC: MAIL FROM:<a@lab.test>\nC: RCPT TO:<b@example.test>\nC: DATA\nS: 250 ok\nS: 250 ok\nS: 354 go\nC: Subject: x\nC:\nC: ..dot\nC: .\nS: 250 queued\nC: QUIT\nS: 221 bye\n* closed`,
      `${opening('CHUNKING')}\nC: MAIL FROM:<a@lab.test>\nS: 250 ok\nC: RCPT TO:<b@example.test>\nS: 250 ok\nC: BDAT 12\nC: hello world!\nS: 250 ok\nC: BDAT 0 LAST\nS: 250 done\n* closed`,
      `S: 554 go away\nC: QUIT\nS: 221 bye`,
      `${opening()}\nC: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: bGVhcm5lcg==\nS: 334 UGFzc3dvcmQ6\nC: bGVhcm5lcg==\nS: 535 no\nS: 421 closing\nC: MAIL FROM:<a@b>`,
    ];
    scripts.forEach((script, index) => expectSameSteps(wire(script), `script ${index}`));
  });

  it('agrees with the actor on thousands of random conversations, entering every state', () => {
    const next = random(20261129);
    const entered = new Map<string, number>();
    for (let n = 0; n < 1000; n++) {
      for (const state of expectSameSteps(conversation(next, 60), `conversation ${n}`)) entered.set(state, (entered.get(state) ?? 0) + 1);
    }
    // Every state but the initial one entered again and again, so no rule went untried.
    for (const state of SESSION_STATES.filter((state) => state !== 'connecting')) expect(entered.get(state) ?? 0, state).toBeGreaterThanOrEqual(10);
  });

  it('refuses a machine it could not step exactly', () => {
    const config = sessionMachine.config as unknown as { states: Record<string, object> };
    const withEntry = { ...config, states: { ...config.states, ready: { ...config.states.ready, entry: 'takeReply' } } };
    expect(() => compileSteps(withEntry)).toThrow(/ready has "entry"/);
    const nested = { ...config, states: { ...config.states, mail: { ...config.states.mail, states: { inner: {} } } } };
    expect(() => compileSteps(nested)).toThrow(/mail has "states"/);
    const unknownGuard = { ...config, states: { ...config.states, data: { on: { closed: { guard: 'isLate', target: 'closed' } } } } };
    expect(() => compileSteps(unknownGuard)).toThrow(/guard "isLate"/);
    expect(() => compileSteps(config)).not.toThrow();
  });
});
