/**
 * The statechart as nodes and edges for drawing, read from the machine's own definition so the
 * picture can never drift from the behaviour. Reply edges are labelled from the `answers` guard
 * params ("MAIL → 250"); other edges from the transition's description or event name.
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { sessionMachine } from './session-machine';
import { answerLabel, type AnswersParams } from './session-model';

export interface StatechartNode {
  id: string;
  label: string;
  description: string;
  final: boolean;
  initial: boolean;
}

export interface StatechartEdge {
  id: string;
  from: string;
  to: string;
  /** The event type(s), joined by ", " when several transitions share the edge. */
  event: string;
  label: string;
}

export interface StatechartGraph {
  nodes: StatechartNode[];
  edges: StatechartEdge[];
}

function isAnswersParams(value: unknown): value is AnswersParams {
  return typeof value === 'object' && value !== null
    && typeof (value as AnswersParams).verb === 'string' && typeof (value as AnswersParams).codes === 'string';
}

/** "MAIL → 250" for a reply transition, else its description, else its event type. */
export function transitionLabel(transition: AnyTransitionDefinition): string {
  const guard: unknown = transition.guard;
  if (typeof guard === 'object' && guard !== null && 'params' in guard) {
    const params: unknown = guard.params;
    if (isAnswersParams(params)) return answerLabel(params.verb, params.codes);
  }
  return transition.description ?? transition.eventType;
}

export function statechartGraph(machine: AnyStateMachine = sessionMachine): StatechartGraph {
  const states = Object.values(machine.root.states) as AnyStateNode[];
  const initial = new Set(machine.root.initial.target);
  const nodes = states.map((node) => ({
    id: node.key,
    label: node.key,
    description: node.description ?? '',
    final: node.type === 'final',
    initial: initial.has(node),
  }));

  // One edge per (from, to), so parallel transitions share a line and a joined label.
  const merged = new Map<string, { from: string; to: string; events: string[]; labels: string[] }>();
  for (const node of states) {
    for (const transitions of node.transitions.values()) {
      for (const transition of transitions as AnyTransitionDefinition[]) {
        // Targetless transitions only update context (queue a line, keep the state): not edges.
        for (const target of transition.target ?? []) {
          const id = `${node.key}->${target.key}`;
          const edge = merged.get(id) ?? { from: node.key, to: target.key, events: [], labels: [] };
          const label = transitionLabel(transition);
          if (!edge.events.includes(transition.eventType)) edge.events.push(transition.eventType);
          if (!edge.labels.includes(label)) edge.labels.push(label);
          merged.set(id, edge);
        }
      }
    }
  }
  const edges = [...merged].map(([id, edge]) => ({
    id,
    from: edge.from,
    to: edge.to,
    event: edge.events.join(', '),
    label: edge.labels.join(', '),
  }));
  return { nodes, edges };
}
