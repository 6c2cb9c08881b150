/**
 * Layout of a ladder (sequence) diagram from wire events: client lifeline left, server right, one
 * arrow per line. Rows follow event order rather than raw milliseconds, which would bunch a fast
 * loopback conversation into a few pixels; a time label on each arrow keeps the real clock.
 * A client line the gate held starts at the row where it was written (`sentAt`) and ends at the
 * row where it was released, so pipelined lines visibly slant across the replies.
 * Each arrow's label gets a measured box placed clear of every arrow (its own and the slanting
 * ones of a pipelined batch), so the drawing and the exported SVG never write text across a line.
 */
import type { TrackedLine } from '../machines/session-tracker';
import type { WireEvent } from '../wire';
import { pipelinedBatches } from './pipelining';

/** The events a ladder is drawn from; `sentAt` marks a client line the gate held. */
export type LadderEvent = WireEvent;

export interface LadderOptions {
  /** Vertical space per event row, in px. */
  rowHeight?: number;
  /** Total width, in px. */
  width?: number;
  /**
   * Longest text drawn on an arrow; longer ones are cut with "…" (the full text stays in
   * `fullText`). By default as many 12 px monospace characters as fit between the lifelines.
   */
  maxChars?: number;
  clientLabel?: string;
  serverLabel?: string;
  /** The session tracker's lines for these events, when the caller has them: not read again. */
  lines?: readonly TrackedLine[];
}

export interface LadderArrow {
  /** Index of the wire event in the input. */
  index: number;
  /** Who sent the line. */
  dir: 'client' | 'server';
  x1: number;
  x2: number;
  /** When it was sent, and when it was received. */
  y1: number;
  y2: number;
  /** The line as drawn (possibly cut). */
  text: string;
  fullText: string;
  at: number;
  sentAt: number | null;
  /** "+123 ms" since the conversation began. */
  time: string;
  tls: boolean;
  /** Pipelined batch id: consecutive client commands sent before the reply to the first arrived. */
  batch: number | null;
  /** Where `text` is drawn: the box it fills, left-aligned, with its baseline. */
  label: LabelBox;
}

/** A label's box, top-left corner and size; the text starts at `x` on `baseline`. */
export interface LabelBox {
  x: number;
  y: number;
  width: number;
  height: number;
  baseline: number;
}

export interface LadderNote {
  index: number;
  y: number;
  text: string;
  kind: 'connected' | 'tls' | 'closed' | 'error';
}

export interface Ladder {
  width: number;
  height: number;
  rowHeight: number;
  lifelines: { client: { x: number; label: string }; server: { x: number; label: string } };
  arrows: LadderArrow[];
  /** The parts of the conversation inside TLS, for shading. */
  tlsBands: Array<{ y1: number; y2: number }>;
  notes: LadderNote[];
}

export const LADDER_DEFAULTS = { rowHeight: 32, width: 640 } as const;
/**
 * The labels' font: 12 px monospace in the page and in the export, so a label is 12 px on screen at
 * the diagram's smallest zoom. `charWidth` is one character's advance with a little slack.
 */
export const LABEL_FONT = { size: 12, charWidth: 7.5, ascent: 10, descent: 3 } as const;
const CHAR_WIDTH = LABEL_FONT.charWidth;
/** Room between a label and a line, and between a label and an arrowhead at the receiving end. */
const LABEL_GAP = 2;
const HEAD_ROOM = 14;
const TAIL_ROOM = 8;
/** Room above the first row for the lifeline labels, and below the last. */
const HEADER = 48;
const FOOTER = 16;
/** How far an arrow falls while it crosses: enough to read its direction at a glance. */
const SLANT = 0.35;

const NOTE_TEXT: Record<LadderNote['kind'], string> = {
  connected: 'connected',
  tls: 'TLS started: the lines below travel encrypted',
  closed: 'connection closed',
  error: 'error',
};

/** "+0.4 ms", "+123 ms", "+12.3 s": short enough for the margin of an arrow. */
export function elapsedLabel(ms: number): string {
  if (ms >= 10_000) return `+${(ms / 1000).toFixed(1)} s`;
  if (ms < 10) return `+${Math.round(ms * 10) / 10} ms`;
  return `+${Math.round(ms)} ms`;
}

export function cutText(text: string, maxChars: number): string {
  const chars = [...text];
  return chars.length <= maxChars ? text : `${chars.slice(0, Math.max(1, maxChars - 1)).join('')}…`;
}

export function ladderLayout(events: readonly LadderEvent[], options: LadderOptions = {}): Ladder {
  const rowHeight = options.rowHeight ?? LADDER_DEFAULTS.rowHeight;
  const width = options.width ?? LADDER_DEFAULTS.width;
  const margin = Math.min(120, width / 5);
  const client = { x: margin, label: options.clientLabel ?? 'client' };
  const server = { x: width - margin, label: options.serverLabel ?? 'server' };
  const maxChars = options.maxChars ?? Math.max(8, Math.floor((server.x - client.x - HEAD_ROOM - TAIL_ROOM) / CHAR_WIDTH));

  // TLS records belong to the eavesdropper view, not to the ladder.
  const rows = events.flatMap((event, index) => (event.info === 'record' ? [] : [{ event, index }]));
  const rowY = (row: number) => HEADER + row * rowHeight + rowHeight / 2;
  const timeToY = timeScale(rows.map((r) => r.event.at), rowY);
  const batches = pipelinedBatches(events, options.lines);

  const unplaced: UnplacedArrow[] = [];
  const notes: LadderNote[] = [];
  rows.forEach(({ event, index }, row) => {
    const y = rowY(row);
    if (event.dir === 'info') {
      const kind = event.info === 'record' || event.info === undefined ? 'error' : event.info;
      notes.push({ index, y, kind, text: event.text || NOTE_TEXT[kind] });
      return;
    }
    const fromClient = event.dir === 'client';
    const sentAt = event.sentAt ?? null;
    const y2 = y + rowHeight * SLANT;
    // Never above the arrow's own start row when the clocks disagree by a rounding.
    const y1 = sentAt === null ? y : Math.min(y, timeToY(sentAt, row));
    unplaced.push({
      index,
      dir: event.dir,
      x1: fromClient ? client.x : server.x,
      x2: fromClient ? server.x : client.x,
      y1,
      y2,
      text: cutText(event.text, maxChars),
      fullText: event.text,
      at: event.at,
      sentAt,
      time: elapsedLabel(event.at),
      tls: event.tls,
      batch: batches.get(index) ?? null,
    });
  });

  return {
    width,
    height: HEADER + rows.length * rowHeight + FOOTER,
    rowHeight,
    lifelines: { client, server },
    arrows: placeLabels(unplaced, rowHeight),
    tlsBands: tlsRuns(rows.map((r) => r.event)).map(([first, last]) => ({
      y1: rowY(first) - rowHeight / 2,
      y2: rowY(last) + rowHeight / 2,
    })),
    notes,
  };
}

/**
 * Maps a moment to a height on the row scale: between the last row at or before it and the next
 * one, in proportion to the time. Only rows before `limit` count, so a line is placed among what
 * had happened on the wire when it was written.
 */
function timeScale(times: readonly number[], rowY: (row: number) => number) {
  return (t: number, limit: number): number => {
    let k = -1;
    for (let i = 0; i < limit; i++) if ((times[i] ?? Infinity) <= t) k = i;
    if (k === -1) return rowY(0);
    const from = times[k] ?? t;
    const to = times[k + 1];
    if (to === undefined || to <= from) return rowY(k);
    return rowY(k) + ((t - from) / (to - from)) * (rowY(k + 1) - rowY(k));
  };
}

/** [first, last] row of each stretch inside TLS: from the 'tls' note (or an encrypted first line) on. */
function tlsRuns(events: readonly WireEvent[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let start: number | null = null;
  events.forEach((event, row) => {
    const inside = event.tls || event.info === 'tls';
    if (inside && start === null) start = row;
    if (!inside && start !== null) {
      runs.push([start, row - 1]);
      start = null;
    }
  });
  if (start !== null) runs.push([start, events.length - 1]);
  return runs;
}

export type UnplacedArrow = Omit<LadderArrow, 'label'>;

/** The text an arrow shows: an empty line still gets words, so it can be pointed at. */
export function shownText(text: string): string {
  return text === '' ? '(empty line)' : text;
}

/** Height of the arrow's line at `x`. */
function lineY(a: UnplacedArrow, x: number): number {
  return a.x1 === a.x2 ? a.y1 : a.y1 + ((x - a.x1) / (a.x2 - a.x1)) * (a.y2 - a.y1);
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

/**
 * Gives every arrow a label box that no arrow's line crosses. A label sits just above its own line
 * (over the middle, else towards either end), or just below it; a held line's label goes to its
 * end, in the row where it arrived. The first place that no line crosses and no earlier label
 * covers wins; failing that, the first place no line crosses; failing that, the text is cut shorter
 * (the whole line stays in `fullText`) and tried again.
 */
export function placeLabels(arrows: readonly UnplacedArrow[], rowHeight: number): LadderArrow[] {
  // Lines by the rows their height spans, so a label is checked against its neighbours only.
  const bucket = (y: number) => Math.floor(y / rowHeight);
  const byRow = new Map<number, UnplacedArrow[]>();
  for (const a of arrows) {
    for (let r = bucket(Math.min(a.y1, a.y2)); r <= bucket(Math.max(a.y1, a.y2)); r++) {
      const list = byRow.get(r) ?? [];
      list.push(a);
      byRow.set(r, list);
    }
  }
  const labelsByRow = new Map<number, LabelBox[]>();
  const near = <T>(index: Map<number, T[]>, box: LabelBox): T[] => {
    const found = new Set<T>();
    for (let r = bucket(box.y); r <= bucket(box.y + box.height); r++) for (const item of index.get(r) ?? []) found.add(item);
    return [...found];
  };
  const crossed = (box: LabelBox) => near(byRow, box).some((a) => segmentHitsBox(a, { x: box.x - 1, y: box.y - 1, width: box.width + 2, height: box.height + 2 }));
  const covered = (box: LabelBox) => near(labelsByRow, box).some((b) => boxesOverlap(box, b));

  return arrows.map((a) => {
    const held = a.sentAt !== null && a.y2 - a.y1 > rowHeight;
    // Where a slanting held line leaves no room for the whole text, a shorter cut of it fits.
    // Clear of lines and of other labels at the longest cut that allows it; else clear of lines.
    let found: { text: string; box: LabelBox } | undefined;
    let crowded: { text: string; box: LabelBox } | undefined;
    for (let chars = [...a.text].length; found === undefined; chars = Math.floor(chars * 0.75)) {
      const text = cutText(a.text, chars);
      for (const box of labelPlaces(a, [...shownText(text)].length * CHAR_WIDTH, held)) {
        if (crossed(box)) continue;
        if (!covered(box)) {
          found = { text, box };
          break;
        }
        crowded ??= { text, box };
      }
      if (chars <= MIN_CHARS) break;
    }
    const { text, box: label } = found ??
      crowded ?? { text: a.text, box: labelPlaces(a, [...shownText(a.text)].length * CHAR_WIDTH, held)[0] as LabelBox };
    for (let r = bucket(label.y); r <= bucket(label.y + label.height); r++) {
      const list = labelsByRow.get(r) ?? [];
      list.push(label);
      labelsByRow.set(r, list);
    }
    return { ...a, text, label };
  });
}

/** Fewest characters a label is cut to before it settles for a place a line crosses. */
const MIN_CHARS = 6;

/**
 * The places a label of `width` may take, best first: just above its line over the middle, at
 * the receiving end, at the sending end, then in steps between, then the same just below it.
 * A held line's label prefers its end, just below, in the row where the line arrived.
 */
function labelPlaces(a: UnplacedArrow, width: number, held: boolean): LabelBox[] {
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
