/**
 * Path coverage generated from the journey machine itself: the replies offered in each state come
 * from that state's own guard params, so a new step is covered without touching this file.
 */
import { describe, expect, it } from 'vitest';
import { createActor, type SnapshotFrom } from 'xstate';
import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import { journeyMachine } from './journey-machine';
import { JOURNEY_STATES, type JourneyEvent, type JourneyStateName } from './journey-model';
import type { AnswersParams } from './session-model';
import { statechartGraph } from './statechart-graph';

type Snapshot = SnapshotFrom<typeof journeyMachine>;

/** '2xx' → 250, '4xx' → 450, '250|251' → 250, 251. */
function sampleCodes(codes: string): number[] {
  return codes.split('|').map((pattern) => Number(pattern.replace('xx', '50').replace(/x$/, '0')));
}

function replyGuards(state: JourneyStateName): AnswersParams[] {
  const node = journeyMachine.root.states[state];
  return (node?.transitions.get('server.reply') ?? []).flatMap((t) => {
    const guard: unknown = t.guard;
    return typeof guard === 'object' && guard !== null && 'params' in guard ? [guard.params as AnswersParams] : [];
  });
}

function reply(verb: string, code: number): JourneyEvent {
  const answers = verb === 'RCPT' ? 'RCPT TO:<bob@lab.test>' : verb === 'MAIL' ? 'MAIL FROM:<ann@lab.test>' : verb;
  return { type: 'server.reply', at: 1, verb, answers, code, reply: { code, enhanced: null, text: 'sample' } };
}

function sampleEvents(snapshot: Snapshot): JourneyEvent[] {
  const state = snapshot.value as JourneyStateName;
  const events: JourneyEvent[] = [
    { type: 'connected', at: 0, tls: false },
    { type: 'closed', at: 2 },
    { type: 'tls.established', at: 1 },
    { type: 'client.line', at: 1, text: 'QUIT', mode: 'command', redacted: false },
  ];
  for (const guard of replyGuards(state)) {
    for (const code of sampleCodes(guard.codes)) events.push(reply(guard.verb, code));
  }
  return events;
}

const traversal = {
  events: sampleEvents,
  // Whether any recipient was accepted or refused decides where QUIT and a close lead.
  serializeState: (s: Snapshot) => JSON.stringify([s.value, s.context.accepted.length > 0, s.context.refused.length > 0]),
};

describe('journey paths generated from the machine', () => {
  const paths = getShortestPaths(journeyMachine, traversal);

  it('reach every state', () => {
    expect([...new Set(paths.map((p) => p.state.value))].sort()).toEqual([...JOURNEY_STATES].sort());
  });

  it('end where they claim, replayed through an actor', () => {
    for (const path of paths) {
      const actor = createActor(journeyMachine).start();
      for (const step of path.steps) if (!step.event.type.startsWith('xstate.')) actor.send(step.event);
      expect(traversal.serializeState(actor.getSnapshot())).toBe(traversal.serializeState(path.state));
    }
  });

  it('take every edge the statechart draws', () => {
    const taken = new Set(
      adjacencyMapToArray(getAdjacencyMap(journeyMachine, traversal)).map(({ state, nextState }) => `${String(state.value)}->${String(nextState.value)}`),
    );
    for (const edge of statechartGraph(journeyMachine).edges) expect(taken, edge.label).toContain(edge.id);
  });

  it('show the shortest way to an accepted email: no STARTTLS, no AUTH', () => {
    const accepted = paths.find((p) => p.state.value === 'accepted');
    const visited = accepted?.steps.map((s) => String(s.state.value));
    // BDAT … LAST carries the whole message in one reply's worth, so the shortest way skips 'content'.
    expect(visited).toEqual(['composed', 'connecting', 'greeted', 'ehlo', 'envelope', 'accepted']);
  });
});

describe('statechartGraph(journeyMachine)', () => {
  const graph = statechartGraph(journeyMachine);
  const label = (from: string, to: string) => graph.edges.find((e) => e.from === from && e.to === to)?.label;

  it('has every step as a node with a friendly sentence, composed first and three endings', () => {
    expect(graph.nodes.map((n) => n.id)).toEqual([...JOURNEY_STATES]);
    for (const node of graph.nodes) expect(node.description, node.id).toMatch(/^[A-Z].+\.$/);
    expect(graph.nodes.filter((n) => n.initial).map((n) => n.id)).toEqual(['composed']);
    expect(graph.nodes.filter((n) => n.final).map((n) => n.id)).toEqual(['accepted', 'refused', 'aborted']);
  });

  it('labels the edges with the replies that move the email on', () => {
    expect(label('composed', 'connecting')).toBe('connection opened');
    expect(label('connecting', 'greeted')).toBe('greeting → 220');
    expect(label('ehlo', 'starttls')).toBe('STARTTLS → 220');
    expect(label('auth', 'refused')).toBe('any → 421, AUTH response → 4xx/5xx, MAIL → 4xx/5xx');
    expect(label('envelope', 'content')).toBe('DATA → 354, BDAT → 250');
    expect(label('content', 'accepted')).toBe('end of data → 2xx, BDAT LAST → 250');
    expect(label('envelope', 'refused')).toContain('every recipient refused');
    expect(label('content', 'aborted')).toBe('connection closed');
  });

  it('draws no edge back: the journey only goes forward', () => {
    const order = new Map(JOURNEY_STATES.map((s, i) => [s, i] as const));
    for (const edge of graph.edges) {
      expect(order.get(edge.to as JourneyStateName)!, edge.id).toBeGreaterThan(order.get(edge.from as JourneyStateName)!);
    }
  });
});
