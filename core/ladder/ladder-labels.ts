/**
 * Where a ladder arrow's text goes: a measured box placed clear of every arrow's line (its own and
 * the slanting ones of a pipelined batch or a held line), so neither the drawing nor the exported
 * SVG ever writes text across a line. The placer keeps its lines and labels indexed by row, so a
 * label is checked against its neighbours only, and a line added later moves only the labels it
 * would cross: a ladder that grows by one line does a constant amount of work.
 */

/**
 * The labels' font: 12 px monospace in the page and in the export, so a label is 12 px on screen at
 * the diagram's smallest zoom. `charWidth` is one character's advance with a little slack.
 */
export const LABEL_FONT = { size: 12, charWidth: 7.5, ascent: 10, descent: 3 } as const;
const CHAR_WIDTH = LABEL_FONT.charWidth;
/** Room between a label and a line, and between a label and an arrowhead at the receiving end. */
const LABEL_GAP = 2;
export const HEAD_ROOM = 14;
export const TAIL_ROOM = 8;
/** Fewest characters a label is cut to before it settles for a place a line crosses. */
const MIN_CHARS = 6;

/** A label's box, top-left corner and size; the text starts at `x` on `baseline`. */
export interface LabelBox {
  x: number;
  y: number;
  width: number;
  height: number;
  baseline: number;
}

/** What placing a label needs to know of its arrow: the line, the text, whether the gate held it. */
export interface LabelledLine {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  text: string;
  sentAt: number | null;
}

export type Labelled<A extends LabelledLine> = A & { label: LabelBox };

export function cutText(text: string, maxChars: number): string {
  const chars = [...text];
  return chars.length <= maxChars ? text : `${chars.slice(0, Math.max(1, maxChars - 1)).join('')}…`;
}

/** The text an arrow shows: an empty line still gets words, so it can be pointed at. */
export function shownText(text: string): string {
  return text === '' ? '(empty line)' : text;
}

/** Whether the segment (x1,y1)-(x2,y2) passes through the box (Liang–Barsky clipping). */
export function segmentHitsBox(s: { x1: number; y1: number; x2: number; y2: number }, box: { x: number; y: number; width: number; height: number }): boolean {
  const dx = s.x2 - s.x1;
  const dy = s.y2 - s.y1;
  let t0 = 0;
  let t1 = 1;
  const sides: Array<[number, number]> = [
    [-dx, s.x1 - box.x],
    [dx, box.x + box.width - s.x1],
    [-dy, s.y1 - box.y],
    [dy, box.y + box.height - s.y1],
  ];
  for (const [p, q] of sides) {
    if (p === 0) {
      if (q < 0) return false;
      continue;
    }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return false;
  }
  return true;
}

function boxesOverlap(a: LabelBox, b: LabelBox): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** A box one pixel larger all round: a line grazing a label's edge still counts as crossing it. */
const padded = (box: LabelBox) => ({ x: box.x - 1, y: box.y - 1, width: box.width + 2, height: box.height + 2 });

/** Height of the arrow's line at `x`. */
function lineY(a: LabelledLine, x: number): number {
  return a.x1 === a.x2 ? a.y1 : a.y1 + ((x - a.x1) / (a.x2 - a.x1)) * (a.y2 - a.y1);
}

/** A line the gate held for longer than a row: its label goes to its end, where it arrived. */
const isHeld = (a: LabelledLine, rowHeight: number) => a.sentAt !== null && a.y2 - a.y1 > rowHeight;

/** Things kept by the rows their height spans. */
class RowIndex<T> {
  #rows = new Map<number, T[]>();
  constructor(private readonly rowHeight: number) {}
  #span(top: number, bottom: number): [number, number] {
    return [Math.floor(top / this.rowHeight), Math.floor(bottom / this.rowHeight)];
  }
  add(item: T, top: number, bottom: number): void {
    const [from, to] = this.#span(top, bottom);
    for (let r = from; r <= to; r++) {
      const list = this.#rows.get(r);
      if (list) list.push(item);
      else this.#rows.set(r, [item]);
    }
  }
  remove(item: T, top: number, bottom: number): void {
    const [from, to] = this.#span(top, bottom);
    for (let r = from; r <= to; r++) {
      const list = this.#rows.get(r);
      const at = list?.indexOf(item) ?? -1;
      if (list && at >= 0) list.splice(at, 1);
    }
  }
  near(top: number, bottom: number): Set<T> {
    const [from, to] = this.#span(top, bottom);
    const found = new Set<T>();
    for (let r = from; r <= to; r++) for (const item of this.#rows.get(r) ?? []) found.add(item);
    return found;
  }
}

/**
 * Gives every arrow a label box that no arrow's line crosses. A label sits just above its own line
 * (over the middle, else towards either end), or just below it; a held line's label goes to its
 * end, in the row where it arrived. The first place that no line crosses and no other label
 * covers wins; failing that, the first place no line crosses; failing that, the text is cut shorter
 * (the whole line stays in `fullText`) and tried again.
 */
export class LabelPlacer<L extends LabelledLine> {
  readonly #rowHeight: number;
  readonly #lines: RowIndex<LabelledLine>;
  readonly #labels: RowIndex<LabelBox>;
  /** Whose each placed label is, to move it when a later line would cross it. */
  readonly #owners = new Map<LabelBox, L>();
  /** Labels placed, moves included: the work a new line costs. */
  placed = 0;

  constructor(rowHeight: number) {
    this.#rowHeight = rowHeight;
    this.#lines = new RowIndex(rowHeight);
    this.#labels = new RowIndex(rowHeight);
  }

  /** Make a line known, so no label is put across it. */
  addLine(line: LabelledLine): void {
    this.#lines.add(line, Math.min(line.y1, line.y2), Math.max(line.y1, line.y2));
  }

  /**
   * The labels already placed that `line` crosses, taken away so they can be placed again; call
   * before `addLine(line)` and `place` them after.
   */
  takeCrossedBy(line: LabelledLine): L[] {
    const taken: L[] = [];
    for (const box of this.#labels.near(Math.min(line.y1, line.y2) - 1, Math.max(line.y1, line.y2) + 1)) {
      const owner = this.#owners.get(box);
      if (!owner || owner === line || !segmentHitsBox(line, padded(box))) continue;
      this.#labels.remove(box, box.y, box.y + box.height);
      this.#owners.delete(box);
      taken.push(owner);
    }
    return taken;
  }

  /** Place the label of `line`; returns the text drawn (perhaps cut shorter) and its box. */
  place(line: L): { text: string; label: LabelBox } {
    const text = line.text;
    this.placed++;
    const crossed = (box: LabelBox) => {
      for (const other of this.#lines.near(box.y - 1, box.y + box.height + 1)) if (segmentHitsBox(other, padded(box))) return true;
      return false;
    };
    const covered = (box: LabelBox) => {
      for (const other of this.#labels.near(box.y, box.y + box.height)) if (boxesOverlap(box, other)) return true;
      return false;
    };
    const held = isHeld(line, this.#rowHeight);
    // Where a slanting held line leaves no room for the whole text, a shorter cut of it fits.
    // Clear of lines and of other labels at the longest cut that allows it; else clear of lines.
    let found: { text: string; label: LabelBox } | undefined;
    let crowded: { text: string; label: LabelBox } | undefined;
    for (let chars = [...text].length; found === undefined; chars = Math.floor(chars * 0.75)) {
      const cut = cutText(text, chars);
      for (const box of labelPlaces(line, [...shownText(cut)].length * CHAR_WIDTH, held)) {
        if (crossed(box)) continue;
        if (!covered(box)) {
          found = { text: cut, label: box };
          break;
        }
        crowded ??= { text: cut, label: box };
      }
      if (chars <= MIN_CHARS) break;
    }
    const result = found ?? crowded ?? { text, label: labelPlaces(line, [...shownText(text)].length * CHAR_WIDTH, held)[0] as LabelBox };
    this.#labels.add(result.label, result.label.y, result.label.y + result.label.height);
    this.#owners.set(result.label, line);
    return result;
  }
}

/** Every label of a finished drawing at once: all lines are known before the first is placed. */
export function placeLabels<A extends LabelledLine>(arrows: readonly A[], rowHeight: number): Array<Labelled<A>> {
  const placer = new LabelPlacer<A>(rowHeight);
  for (const arrow of arrows) placer.addLine(arrow);
  return arrows.map((arrow) => ({ ...arrow, ...placer.place(arrow) }));
}

/**
 * The places a label of `width` may take, best first: just above its line over the middle, at
 * the receiving end, at the sending end, then in steps between, then the same just below it.
 * A held line's label prefers its end, just below, in the row where the line arrived.
 */
function labelPlaces(a: LabelledLine, width: number, held: boolean): LabelBox[] {
  const height = LABEL_FONT.ascent + LABEL_FONT.descent;
  const rightwards = a.x2 > a.x1;
  const lo = Math.min(a.x1, a.x2) + (rightwards ? TAIL_ROOM : HEAD_ROOM);
  const hi = Math.max(a.x1, a.x2) - (rightwards ? HEAD_ROOM : TAIL_ROOM);
  const last = Math.max(lo, hi - width);
  const centre = Math.max(lo, (a.x1 + a.x2) / 2 - width / 2);
  const atEnd = rightwards ? last : lo;
  const atStart = rightwards ? lo : last;
  const steps = Array.from({ length: 7 }, (_, i) => lo + ((last - lo) * (i + 1)) / 8);
  const xs = held ? [atEnd, centre, atStart, ...steps] : [centre, atEnd, atStart, ...steps];
  const box = (x: number, top: number): LabelBox => ({ x, y: top, width, height, baseline: top + LABEL_FONT.ascent });
  const above = xs.map((x) => box(x, Math.min(lineY(a, x), lineY(a, x + width)) - LABEL_GAP - height));
  const below = xs.map((x) => box(x, Math.max(lineY(a, x), lineY(a, x + width)) + LABEL_GAP));
  return held ? [below[0] as LabelBox, ...above, ...below.slice(1)] : [...above, ...below];
}
