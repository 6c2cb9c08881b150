import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { sessionMachine } from './session-machine';
import { SESSION_STATES } from './session-model';
import { statechartGraph } from './statechart-graph';

describe('statechartGraph', () => {
  const graph = statechartGraph();
  const ids = graph.nodes.map((n) => n.id);

  it('has every state as a node, with its description', () => {
    expect(ids).toEqual([...SESSION_STATES]);
    expect(Object.keys(sessionMachine.root.states)).toEqual([...SESSION_STATES]);
    for (const node of graph.nodes) expect(node.description, node.id).toMatch(/^[A-Z].+\.$/);
    expect(graph.nodes.filter((n) => n.initial).map((n) => n.id)).toEqual(['connecting']);
    expect(graph.nodes.filter((n) => n.final).map((n) => n.id)).toEqual(['closed']);
  });

  it('joins only existing states, one edge per pair', () => {
    for (const edge of graph.edges) {
      expect(ids).toContain(edge.from);
      expect(ids).toContain(edge.to);
    }
    expect(new Set(graph.edges.map((e) => e.id)).size).toBe(graph.edges.length);
  });

  it('labels reply edges from the guard params and merges parallel ones', () => {
    const label = (from: string, to: string) => graph.edges.find((e) => e.from === from && e.to === to)?.label;
    expect(label('connecting', 'greeted')).toBe('greeting → 220');
    expect(label('ready', 'mail')).toBe('MAIL → 250');
    expect(label('mail', 'rcpt')).toBe('RCPT → 250/251');
    expect(label('data', 'ready')).toBe('end of data → 2xx, end of data → 4xx/5xx');
    expect(label('tls', 'greeted')).toBe('TLS established');
    expect(label('ready', 'closed')).toBe('any → 421, QUIT → 221, connection closed');
  });

  it('leaves out transitions that keep the state without naming it', () => {
    expect(graph.edges.find((e) => e.from === 'greeted' && e.to === 'greeted')).toBeUndefined();
    expect(graph.edges.find((e) => e.from === 'rcpt' && e.to === 'rcpt')?.label).toBe('RCPT → 250/251');
  });

  it('draws any machine, using event names when there is no guard', () => {
    const toggle = createMachine({ initial: 'off', states: { off: { on: { FLIP: 'on' } }, on: { on: { FLIP: 'off' } } } });
    expect(statechartGraph(toggle).edges.map((e) => `${e.id} ${e.label}`)).toEqual(['off->on FLIP', 'on->off FLIP']);
  });
});
