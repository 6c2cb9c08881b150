/**
 * Path coverage generated from the machine itself: the sample events offered in each state come
 * from that state's own guard params, so a new transition is covered without touching this file.
 */
import { describe, expect, it } from 'vitest';
import { createActor, type SnapshotFrom } from 'xstate';
import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import { sessionMachine } from './session-machine';
import { AUTH_RESPONSE, BDAT_LAST, END_OF_DATA, GREETING, SESSION_STATES, commandKey } from './session-model';
import type { AnswersParams, SessionEvent, SessionStateName } from './session-model';
import { SessionTracker } from './session-tracker';
import { statechartGraph } from './statechart-graph';
import type { WireEvent } from '../wire';

type Snapshot = SnapshotFrom<typeof sessionMachine>;

/** A line that the machine will queue under each guard verb. */
const SAMPLE_LINES: Record<string, string> = {
  EHLO: 'EHLO client.test', HELO: 'HELO client.test', MAIL: 'MAIL FROM:<ann@client.test>',
  RCPT: 'RCPT TO:<bob@lab.test>', DATA: 'DATA', BDAT: 'BDAT 3', [BDAT_LAST]: 'BDAT 3 LAST',
  RSET: 'RSET', STARTTLS: 'STARTTLS', AUTH: 'AUTH LOGIN', [AUTH_RESPONSE]: 'YW5u', [END_OF_DATA]: '.', QUIT: 'QUIT',
};

/** '2xx' → 250, '4xx' → 450, '251' → 251. */
function sampleCodes(codes: string): number[] {
  return codes.split('|').map((pattern) => Number(pattern.replace('xx', '50').replace(/x$/, '0')));
}

function replyGuards(state: SessionStateName): AnswersParams[] {
  const node = sessionMachine.root.states[state];
  return (node?.transitions.get('server.reply') ?? []).flatMap((t) => {
    const guard: unknown = t.guard;
    return typeof guard === 'object' && guard !== null && 'params' in guard ? [guard.params as AnswersParams] : [];
  });
}

/** In each state: answer the oldest pending line with every code a guard names (and a 503), or send a new line. */
function sampleEvents(snapshot: Snapshot): SessionEvent[] {
  const state = snapshot.value as SessionStateName;
  const { pending, bdatRemaining } = snapshot.context;
  if (bdatRemaining > 0) return [{ type: 'client.line', text: 'x'.repeat(bdatRemaining - 2) }];
  const events: SessionEvent[] = [{ type: 'closed' }];
  if (state === 'tls') events.push({ type: 'tls.established' });
  const guards = replyGuards(state);
  const oldest = pending[0];
  if (oldest) {
    const codes = guards.filter((g) => g.verb === '*' || g.verb === commandKey(oldest)).flatMap((g) => sampleCodes(g.codes));
    for (const code of new Set([...codes, 503])) events.push({ type: 'server.reply', reply: { code, enhanced: null, lines: ['sample'] } });
  } else {
    for (const verb of new Set(guards.map((g) => g.verb))) {
      const text = SAMPLE_LINES[verb];
      if (text !== undefined) events.push({ type: 'client.line', text });
    }
  }
  return events;
}

const traversal = {
  events: sampleEvents,
  // The state, the queue and the owed chunk decide what can happen next; the rest is detail.
  serializeState: (s: Snapshot) => JSON.stringify([s.value, s.context.pending.map((p) => p.line), s.context.bdatRemaining]),
};

function toWire(event: SessionEvent, at: number): WireEvent {
  const base = { conversation: 'paths', hop: 0, at, tls: false };
  switch (event.type) {
    case 'client.line': return { ...base, dir: 'client', text: event.text };
    case 'server.reply': return { ...base, dir: 'server', text: `${event.reply.code} ${event.reply.lines.join('')}` };
    case 'tls.established': return { ...base, dir: 'info', text: '', info: 'tls' };
    case 'closed': return { ...base, dir: 'info', text: '', info: 'closed' };
  }
}

describe('paths generated from the machine', () => {
  const paths = getShortestPaths(sessionMachine, traversal);

  it('reach every state', () => {
    const reached = new Set(paths.map((p) => p.state.value));
    expect([...reached].sort()).toEqual([...SESSION_STATES].sort());
  });

  it('end where they claim, replayed through an actor and through the tracker', () => {
    for (const path of paths) {
      // The first step is XState's own init event, not one of ours.
      const events = path.steps.map((step) => step.event).filter((e) => !e.type.startsWith('xstate.'));
      const actor = createActor(sessionMachine).start();
      for (const event of events) actor.send(event);
      // Equal as far as the traversal tells states apart (other context depends on the route).
      expect(traversal.serializeState(actor.getSnapshot())).toBe(traversal.serializeState(path.state));
      expect(SessionTracker.replay(events.map(toWire)).state).toBe(path.state.value);
    }
  });

  it('take every edge the statechart draws', () => {
    const taken = new Set(
      adjacencyMapToArray(getAdjacencyMap(sessionMachine, traversal)).map(({ state, nextState }) => `${String(state.value)}->${String(nextState.value)}`),
    );
    for (const edge of statechartGraph().edges) expect(taken, edge.label).toContain(edge.id);
  });

  it('start with the greeting in the queue', () => {
    expect(paths[0]?.state.context.pending).toEqual([{ verb: GREETING, line: GREETING }]);
  });
});
