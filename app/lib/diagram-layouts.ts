/**
 * The statecharts' layouts. dagre, which makes them, loads with the first diagram drawn rather than
 * with the page; each machine never changes while the page runs, so each is laid out once.
 */
import type { StatechartGraph } from '../../core/machines/statechart-graph';
import type { StatechartLayout } from './statechart-layout';

let session: Promise<StatechartLayout> | undefined;
let journey: Promise<StatechartLayout> | undefined;

/** The SMTP session machine, roomy: it branches in every direction. */
export function sessionLayout(): Promise<StatechartLayout> {
  session ??= import('./statechart-layout').then(({ layoutStatechart }) => layoutStatechart());
  return session;
}

/** The journey of one email, compact: one long chain of steps, `aborted` reachable from all. */
export function journeyLayout(graph: StatechartGraph): Promise<StatechartLayout> {
  journey ??= import('./statechart-layout').then(({ layoutStatechart, COMPACT }) => layoutStatechart(graph, ['aborted'], COMPACT));
  return journey;
}
