/**
 * Layout of a ladder (sequence) diagram from wire events: client lifeline left, server right, one
 * arrow per line. Rows follow event order rather than raw milliseconds, which would bunch a fast
 * loopback conversation into a few pixels; a time label on each arrow keeps the real clock.
 * A client line the gate held starts at the row where it was written (`sentAt`) and ends at the
 * row where it was released, so pipelined lines visibly slant across the replies.
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

export const LADDER_DEFAULTS = { rowHeight: 28, width: 640 } as const;
/** Advance of one character of the SVG export's 12 px monospace font, with a little slack. */
const CHAR_WIDTH = 7.5;
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
  const maxChars = options.maxChars ?? Math.max(8, Math.floor((server.x - client.x - 16) / CHAR_WIDTH));

  // TLS records belong to the eavesdropper view, not to the ladder.
  const rows = events.flatMap((event, index) => (event.info === 'record' ? [] : [{ event, index }]));
  const rowY = (row: number) => HEADER + row * rowHeight + rowHeight / 2;
  const timeToY = timeScale(rows.map((r) => r.event.at), rowY);
  const batches = pipelinedBatches(events, options.lines);

  const arrows: LadderArrow[] = [];
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
    arrows.push({
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
    arrows,
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
