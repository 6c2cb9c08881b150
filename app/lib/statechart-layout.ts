/**
 * Lays out the session statechart (read from the machine by statechartGraph, never drawn by
 * hand) with dagre, top to bottom, into coordinates an SVG can use directly. The label of the
 * transition just taken is placed where no arrow runs through it and no state covers it.
 */
import dagre from '@dagrejs/dagre';
import { placeLabel, TakenCells } from './statechart-labels';
import {
  statechartGraph,
  type StatechartEdge,
  type StatechartGraph,
  type StatechartNode,
} from '../../core/machines/statechart-graph';

export interface PlacedNode extends StatechartNode {
  /** Centre. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge extends StatechartEdge {
  /** SVG path data. */
  path: string;
  /** The path as short straight pieces, to keep labels off it. */
  polyline: Point[];
  /** Ends where it starts (the state is kept, e.g. another RCPT accepted). */
  selfLoop: boolean;
  /** One of the many "QUIT / 421 / dropped" edges into an end state reachable from anywhere, drawn quietly. */
  toClosed: boolean;
}

export interface StatechartLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  /** The drawing's viewBox: the graph and the room around it. */
  view: { x: number; y: number; width: number; height: number };
  /**
   * Where the label `text` of a transition along `edge` is drawn (11 px monospace, left-aligned,
   * `y` its middle): beside the edge where no arrow crosses it and no state covers it, else the
   * nearest free place in the drawing.
   */
  labelFor(edge: PlacedEdge, text: string): LabelPlace;
}

/** A transition label's box: left edge, middle and size, in the drawing's units. */
export interface LabelPlace {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The room the drawing leaves around the graph: the initial dot on the left, loops on the right. */
const MARGIN = { left: 14, top: 14, right: 14, bottom: 6 } as const;

const CHAR_WIDTH = 7.4;
const NODE_PADDING = 22;
const LOOP_SIZE = 14;

export interface Point {
  x: number;
  y: number;
}

/** The same curve as curveThrough, as short straight pieces. */
function pointsAlong(points: Point[]): Point[] {
  const [start, ...rest] = points;
  if (!start) return [];
  const out: Point[] = [start];
  let at = start;
  const quad = (c: Point, to: Point) => {
    for (let i = 1; i <= 8; i++) {
      const t = i / 8;
      out.push({ x: (1 - t) ** 2 * at.x + 2 * (1 - t) * t * c.x + t * t * to.x, y: (1 - t) ** 2 * at.y + 2 * (1 - t) * t * c.y + t * t * to.y });
    }
    at = to;
  };
  for (let i = 0; i < rest.length - 1; i++) {
    const corner = rest[i] as Point;
    const next = rest[i + 1] as Point;
    quad(corner, { x: (corner.x + next.x) / 2, y: (corner.y + next.y) / 2 });
  }
  const end = rest.at(-1);
  if (end) out.push(end);
  return out;
}

/** loopPath's curve as short straight pieces. */
function loopPoints(node: PlacedNode): Point[] {
  const right = node.x + node.width / 2;
  const top = node.y - node.height / 4;
  const bottom = node.y + node.height / 4;
  const [p0, p1, p2, p3] = [
    { x: right, y: top },
    { x: right + LOOP_SIZE * 1.6, y: top - LOOP_SIZE },
    { x: right + LOOP_SIZE * 1.6, y: bottom + LOOP_SIZE },
    { x: right, y: bottom },
  ];
  return Array.from({ length: 13 }, (_, i) => {
    const t = i / 12;
    const [a, b, c, d] = [(1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t ** 3];
    return { x: a * p0.x + b * p1.x + c * p2.x + d * p3.x, y: a * p0.y + b * p1.y + c * p2.y + d * p3.y };
  });
}

/** A smooth curve through dagre's bend points: straight segments joined by quadratic corners. */
function curveThrough(points: Point[]): string {
  const [start, ...rest] = points;
  if (!start) return '';
  let d = `M${start.x.toFixed(1)},${start.y.toFixed(1)}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const corner = rest[i] as Point;
    const next = rest[i + 1] as Point;
    d += ` Q${corner.x.toFixed(1)},${corner.y.toFixed(1)} ${((corner.x + next.x) / 2).toFixed(1)},${((corner.y + next.y) / 2).toFixed(1)}`;
  }
  const end = rest.at(-1);
  if (end) d += ` L${end.x.toFixed(1)},${end.y.toFixed(1)}`;
  return d;
}

/** A small loop on the right side of a node. */
function loopPath(node: PlacedNode): string {
  const right = node.x + node.width / 2;
  const top = node.y - node.height / 4;
  const bottom = node.y + node.height / 4;
  return `M${right},${top} C${right + LOOP_SIZE * 1.6},${top - LOOP_SIZE} ${right + LOOP_SIZE * 1.6},${bottom + LOOP_SIZE} ${right},${bottom}`;
}

/** Room between ranks of states, and the height of a state's box. */
export interface RankSpacing {
  ranksep: number;
  nodeHeight: number;
}

/** The session machine branches in every direction: it gets air between its ranks. */
export const ROOMY: RankSpacing = { ranksep: 30, nodeHeight: 26 };
/**
 * The journey is mostly one long chain of steps, nine ranks deep: at the session's spacing it
 * shrank to unreadable in the panel it shares with the hop map on a laptop screen.
 */
export const COMPACT: RankSpacing = { ranksep: 12, nodeHeight: 22 };

/**
 * `quiet` names the states every other state can fall into (the session's `closed`, the journey's
 * `aborted`): their edges are drawn light and barely pull on the layout.
 */
export function layoutStatechart(
  graph: StatechartGraph = statechartGraph(),
  quiet: readonly string[] = ['closed'],
  spacing: RankSpacing = ROOMY,
): StatechartLayout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 22, ranksep: spacing.ranksep, edgesep: 10, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));

  for (const node of graph.nodes) {
    g.setNode(node.id, { width: node.label.length * CHAR_WIDTH + NODE_PADDING, height: spacing.nodeHeight });
  }
  for (const edge of graph.edges) {
    if (edge.from === edge.to) continue; // loops are drawn beside their node, not routed
    // Edges into `closed` come from every state; a light weight keeps them from bending the main flow.
    g.setEdge(edge.from, edge.to, { weight: quiet.includes(edge.to) ? 0.2 : 2, minlen: 1 }, edge.id);
  }
  dagre.layout(g);

  const nodes: PlacedNode[] = graph.nodes.map((node) => {
    const placed = g.node(node.id);
    return { ...node, x: placed.x ?? 0, y: placed.y ?? 0, width: placed.width, height: placed.height };
  });
  const byId = new Map(nodes.map((n) => [n.id, n]));

  const edges: PlacedEdge[] = graph.edges.map((edge) => {
    const toClosed = quiet.includes(edge.to);
    if (edge.from === edge.to) {
      const node = byId.get(edge.from);
      return { ...edge, path: node ? loopPath(node) : '', polyline: node ? loopPoints(node) : [], selfLoop: true, toClosed };
    }
    const points: Point[] = g.edge({ v: edge.from, w: edge.to, name: edge.id })?.points ?? [];
    return { ...edge, path: curveThrough(points), polyline: pointsAlong(points), selfLoop: false, toClosed };
  });

  const graphLabel = g.graph();
  // Loops stick out to the right of their node; widen the canvas so they are not clipped.
  const width = Math.max(graphLabel.width ?? 0, ...nodes.map((n) => n.x + n.width / 2 + LOOP_SIZE * 2));
  const height = graphLabel.height ?? 0;
  const places = new Map<string, LabelPlace>();
  const bounds = { left: -MARGIN.left, top: -MARGIN.top, right: width + MARGIN.right, bottom: height + MARGIN.bottom };
  let taken: TakenCells | undefined;
  const labelFor = (edge: PlacedEdge, text: string): LabelPlace => {
    const key = `${edge.id}\n${text}`;
    let place = places.get(key);
    taken ??= new TakenCells(bounds, { nodes, edges });
    if (!place) places.set(key, (place = placeLabel(edge, text, taken, bounds)));
    return place;
  };
  const view = { x: -MARGIN.left, y: -MARGIN.top, width: width + MARGIN.left + MARGIN.right, height: height + MARGIN.top + MARGIN.bottom };
  return { width, height, nodes, edges, view, labelFor };
}
