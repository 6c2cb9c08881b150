/**
 * Where the label of the transition just taken goes in a statechart: beside its arrow where no
 * arrow runs through it and no state covers it, else the nearest free place in the drawing.
 */
import type { LabelPlace, PlacedEdge, Point, StatechartLayout } from './statechart-layout';

/** The transition label's font: 11 px monospace, with some slack for the fonts a page may pick. */
const LABEL_SIZE = 11;
const LABEL_CHAR = 6.9;
/** Room kept between a label and any line or state. */
const LABEL_CLEAR = 3;

/** A point `share` of the way along a polyline, by length. */
function pointAt(line: Point[], share: number): Point {
  const lengths = line.slice(1).map((p, i) => Math.hypot(p.x - (line[i] as Point).x, p.y - (line[i] as Point).y));
  let left = lengths.reduce((a, b) => a + b, 0) * share;
  for (let i = 0; i < lengths.length; i++) {
    const length = lengths[i] as number;
    if (left <= length && length > 0) {
      const [a, b] = [line[i] as Point, line[i + 1] as Point];
      return { x: a.x + ((b.x - a.x) * left) / length, y: a.y + ((b.y - a.y) * left) / length };
    }
    left -= length;
  }
  return line.at(-1) ?? { x: 0, y: 0 };
}

/**
 * What of the drawing is taken, one cell per pixel: every arrow and every state. A sum over the
 * cells up and to the left of each one answers "is this box free?" at once, so a label can try
 * every place in the drawing without a pass over every arrow for each.
 */
export class TakenCells {
  readonly #left: number;
  readonly #top: number;
  readonly #columns: number;
  readonly #rows: number;
  /** #sums[(r + 1) * (columns + 1) + c + 1]: taken cells in rows ≤ r and columns ≤ c. */
  readonly #sums: Int32Array;

  constructor(bounds: { left: number; top: number; right: number; bottom: number }, drawing: Pick<StatechartLayout, 'nodes' | 'edges'>) {
    this.#left = Math.floor(bounds.left);
    this.#top = Math.floor(bounds.top);
    this.#columns = Math.ceil(bounds.right) - this.#left + 1;
    this.#rows = Math.ceil(bounds.bottom) - this.#top + 1;
    const taken = new Uint8Array(this.#columns * this.#rows);
    const mark = (x: number, y: number) => {
      const c = Math.floor(x) - this.#left;
      const r = Math.floor(y) - this.#top;
      if (c >= 0 && r >= 0 && c < this.#columns && r < this.#rows) taken[r * this.#columns + c] = 1;
    };
    for (const edge of drawing.edges) {
      edge.polyline.slice(1).forEach((b, i) => {
        const a = edge.polyline[i] as Point;
        const steps = Math.ceil(Math.hypot(b.x - a.x, b.y - a.y) * 2) + 1;
        for (let k = 0; k <= steps; k++) mark(a.x + ((b.x - a.x) * k) / steps, a.y + ((b.y - a.y) * k) / steps);
      });
    }
    for (const n of drawing.nodes) {
      for (let y = n.y - n.height / 2; y <= n.y + n.height / 2; y++) for (let x = n.x - n.width / 2; x <= n.x + n.width / 2; x++) mark(x, y);
    }
    const stride = this.#columns + 1;
    this.#sums = new Int32Array(stride * (this.#rows + 1));
    for (let r = 0; r < this.#rows; r++) {
      let row = 0;
      for (let c = 0; c < this.#columns; c++) {
        row += taken[r * this.#columns + c] as number;
        this.#sums[(r + 1) * stride + c + 1] = (this.#sums[r * stride + c + 1] as number) + row;
      }
    }
  }

  /** Whether no arrow and no state touches the box (every cell it meets, edges included). */
  free(box: { x: number; y: number; width: number; height: number }): boolean {
    return this.freeAt(box.x, box.y, box.width, box.height);
  }

  freeAt(x: number, y: number, width: number, height: number): boolean {
    const c1 = Math.floor(x) - this.#left;
    const r1 = Math.floor(y) - this.#top;
    const c2 = Math.ceil(x + width) - this.#left;
    const r2 = Math.ceil(y + height) - this.#top;
    if (c1 < 0 || r1 < 0 || c2 >= this.#columns || r2 >= this.#rows) return false;
    const stride = this.#columns + 1;
    const sums = this.#sums;
    return (sums[(r2 + 1) * stride + c2 + 1] as number) - (sums[r1 * stride + c2 + 1] as number) - (sums[(r2 + 1) * stride + c1] as number) + (sums[r1 * stride + c1] as number) === 0;
  }
}

/**
 * A free place for a transition's label: beside its edge (right, left, above, below of points
 * from its middle outwards), else anywhere in the drawing, nearest the edge's middle first.
 */
export function placeLabel(edge: PlacedEdge, text: string, taken: TakenCells, bounds: { left: number; top: number; right: number; bottom: number }): LabelPlace {
  const width = [...text].length * LABEL_CHAR;
  const height = LABEL_SIZE + 2;
  const free = (place: LabelPlace): boolean =>
    taken.free({ x: place.x - LABEL_CLEAR, y: place.y - height / 2 - LABEL_CLEAR, width: width + 2 * LABEL_CLEAR, height: height + 2 * LABEL_CLEAR });
  const gap = LABEL_CLEAR + 3;
  const beside = [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8].flatMap((share) => {
    const p = pointAt(edge.polyline, share);
    return [
      { x: p.x + gap, y: p.y, width, height },
      { x: p.x - gap - width, y: p.y, width, height },
      { x: p.x - width / 2, y: p.y - gap - height / 2, width, height },
      { x: p.x - width / 2, y: p.y + gap + height / 2, width, height },
    ];
  });
  const found = beside.find(free);
  if (found) return found;
  // Every place in the drawing, two pixels apart; the free one nearest any part of the edge wins
  // (its box's nearest side, so a long label may start right beside the arrow).
  const along = Array.from({ length: 41 }, (_, i) => pointAt(edge.polyline, i / 40));
  const gapTo = (x: number, y: number): number => {
    let nearest = Infinity;
    for (const p of along) {
      const dx = Math.max(x - p.x, 0, p.x - (x + width));
      const dy = Math.max(y - height / 2 - p.y, 0, p.y - (y + height / 2));
      nearest = Math.min(nearest, dx * dx + dy * dy);
    }
    return nearest;
  };
  let best: LabelPlace | undefined;
  let bestDistance = Infinity;
  for (let y = bounds.top + height / 2 + LABEL_CLEAR; y <= bounds.bottom - height / 2; y += 2) {
    for (let x = bounds.left + LABEL_CLEAR; x + width <= bounds.right - LABEL_CLEAR; x += 2) {
      if (!taken.freeAt(x - LABEL_CLEAR, y - height / 2 - LABEL_CLEAR, width + 2 * LABEL_CLEAR, height + 2 * LABEL_CLEAR)) continue;
      const distance = gapTo(x, y);
      if (distance < bestDistance) {
        best = { x, y, width, height };
        bestDistance = distance;
      }
    }
  }
  // A drawing with no free place at all keeps the label beside its edge.
  return best ?? (beside[0] as LabelPlace);
}
