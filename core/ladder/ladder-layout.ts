/**
 * Layout of a ladder (sequence) diagram from wire events: client lifeline left, server right, one
 * arrow per line. Rows follow event order rather than raw milliseconds, which would bunch a fast
 * loopback conversation into a few pixels; a time label on each arrow keeps the real clock.
 * A client line the gate held starts at the row where it was written (`sentAt`) and ends at the
 * row where it was released, so pipelined lines visibly slant across the replies.
 * Each arrow's label gets a measured box placed clear of every arrow (ladder-labels.ts).
 * A ladder grows with its conversation: the builder lays out only the lines added since its last
 * update, so a long conversation costs the same per new line as a short one.
 */
import { SessionTracker, type TrackedLine } from '../machines/session-tracker';
import type { WireEvent } from '../wire';
import { HEAD_ROOM, LABEL_FONT, LabelPlacer, TAIL_ROOM, cutText, type LabelBox } from './ladder-labels';
import { PipelineTracker } from './pipelining';

export { LABEL_FONT, cutText, placeLabels, segmentHitsBox, shownText, type LabelBox } from './ladder-labels';

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
const CHAR_WIDTH = LABEL_FONT.charWidth;
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

export type UnplacedArrow = Omit<LadderArrow, 'label'>;

export function ladderLayout(events: readonly LadderEvent[], options: LadderOptions = {}): Ladder {
  return new LadderBuilder(options).update(events, options.lines);
}

/** What a builder has done since it was made: rows laid out and labels placed (moves included). */
export interface LadderWork {
  rows: number;
  labels: number;
}

/**
 * A ladder kept up to date as its conversation grows. `update` with the same events plus new ones
 * lays out only the new ones: each new row gets its arrow or note, its label is placed among its
 * neighbours, a held line that slants back over earlier rows moves only the labels it crosses, and
 * a pipelined batch still open is the only one looked at again. Other events (lines read again
 * from the start, older lines put before) start it over.
 */
export class LadderBuilder {
  readonly #rowHeight: number;
  readonly #width: number;
  readonly #client: { x: number; label: string };
  readonly #server: { x: number; label: string };
  readonly #maxChars: number;

  #events: readonly LadderEvent[] = [];
  #seen = 0;
  #times: number[] = [];
  #arrows: LadderArrow[] = [];
  /** Position in #arrows of each event index drawn as an arrow. */
  #arrowAt = new Map<number, number>();
  #notes: LadderNote[] = [];
  #tlsRuns: Array<[number, number]> = [];
  #tlsStart: number | null = null;
  #pipeline = new PipelineTracker();
  #placer: LabelPlacer<UnplacedArrow>;
  /** Reads the lines itself when the caller has no session tracker's lines to give. */
  #tracker: SessionTracker | null = null;
  #rowsLaidOut = 0;
  #labelsBefore = 0;

  constructor(options: Omit<LadderOptions, 'lines'> = {}) {
    this.#rowHeight = options.rowHeight ?? LADDER_DEFAULTS.rowHeight;
    this.#width = options.width ?? LADDER_DEFAULTS.width;
    const margin = Math.min(120, this.#width / 5);
    this.#client = { x: margin, label: options.clientLabel ?? 'client' };
    this.#server = { x: this.#width - margin, label: options.serverLabel ?? 'server' };
    this.#maxChars = options.maxChars ?? Math.max(8, Math.floor((this.#server.x - this.#client.x - HEAD_ROOM - TAIL_ROOM) / CHAR_WIDTH));
    this.#placer = new LabelPlacer(this.#rowHeight);
  }

  get work(): LadderWork {
    return { rows: this.#rowsLaidOut, labels: this.#labelsBefore + this.#placer.placed };
  }

  /**
   * The ladder of `events`; `lines` are the session tracker's lines for them (every event but TLS
   * records), when the caller has them: not read again.
   */
  update(events: readonly LadderEvent[], lines?: readonly TrackedLine[]): Ladder {
    const continues = events.length >= this.#seen && (this.#seen === 0 || (events[0] === this.#events[0] && events[this.#seen - 1] === this.#events[this.#seen - 1]));
    if (!continues) this.#restart();
    if (this.#seen === 0 && !lines) this.#tracker = new SessionTracker({ keepLines: false });
    for (let index = this.#seen; index < events.length; index++) this.#add(events[index] as LadderEvent, index, lines);
    this.#events = events;
    this.#seen = events.length;
    for (const index of this.#pipeline.takeChanged()) {
      const at = this.#arrowAt.get(index);
      const arrow = at === undefined ? undefined : this.#arrows[at];
      if (arrow && at !== undefined) this.#arrows[at] = { ...arrow, batch: this.#pipeline.batches.get(index) ?? null };
    }
    return this.#ladder();
  }

  #restart(): void {
    this.#seen = 0;
    this.#times = [];
    this.#arrows = [];
    this.#arrowAt.clear();
    this.#notes = [];
    this.#tlsRuns = [];
    this.#tlsStart = null;
    this.#pipeline = new PipelineTracker();
    this.#labelsBefore += this.#placer.placed;
    this.#placer = new LabelPlacer(this.#rowHeight);
    this.#tracker = null;
  }

  #rowY(row: number): number {
    return HEADER + row * this.#rowHeight + this.#rowHeight / 2;
  }

  #add(event: LadderEvent, index: number, lines: readonly TrackedLine[] | undefined): void {
    // TLS records belong to the eavesdropper view, not to the ladder.
    if (event.info === 'record') return;
    const row = this.#times.length;
    const line = this.#tracker ? this.#tracker.push(event) : lines?.[row];
    this.#times.push(event.at);
    this.#rowsLaidOut++;
    if (line) this.#pipeline.push(event, index, line);

    const inside = event.tls || event.info === 'tls';
    if (inside && this.#tlsStart === null) this.#tlsStart = row;
    if (!inside && this.#tlsStart !== null) {
      this.#tlsRuns.push([this.#tlsStart, row - 1]);
      this.#tlsStart = null;
    }

    const y = this.#rowY(row);
    if (event.dir === 'info') {
      const kind = event.info ?? 'error';
      this.#notes.push({ index, y, kind, text: event.text || NOTE_TEXT[kind] });
      return;
    }
    const fromClient = event.dir === 'client';
    const sentAt = event.sentAt ?? null;
    // Never above the arrow's own start row when the clocks disagree by a rounding.
    const y1 = sentAt === null ? y : Math.min(y, this.#timeToY(sentAt, row));
    const arrow: UnplacedArrow = {
      index,
      dir: event.dir,
      x1: fromClient ? this.#client.x : this.#server.x,
      x2: fromClient ? this.#server.x : this.#client.x,
      y1,
      y2: y + this.#rowHeight * SLANT,
      text: cutText(event.text, this.#maxChars),
      fullText: event.text,
      at: event.at,
      sentAt,
      time: elapsedLabel(event.at),
      tls: event.tls,
      batch: this.#pipeline.batches.get(index) ?? null,
    };
    // A held line slanting back over earlier rows moves the labels it would cross.
    const moved = this.#placer.takeCrossedBy(arrow);
    this.#placer.addLine(arrow);
    for (const earlier of moved) {
      const at = this.#arrowAt.get(earlier.index);
      const drawn = at === undefined ? undefined : this.#arrows[at];
      if (drawn && at !== undefined) this.#arrows[at] = { ...drawn, ...this.#placer.place(earlier) };
    }
    this.#arrowAt.set(index, this.#arrows.length);
    this.#arrows.push({ ...arrow, ...this.#placer.place(arrow) });
  }

  /**
   * A moment as a height on the row scale: between the last row at or before it and the next one,
   * in proportion to the time. Only rows before `limit` count, so a line is placed among what had
   * happened on the wire when it was written; the search runs back from there, and a held line
   * was written a few rows back at most.
   */
  #timeToY(t: number, limit: number): number {
    const times = this.#times;
    let k = -1;
    for (let i = Math.min(limit, times.length) - 1; i >= 0; i--) {
      if ((times[i] as number) <= t) {
        k = i;
        break;
      }
    }
    if (k === -1) return this.#rowY(0);
    const from = times[k] as number;
    const to = times[k + 1];
    if (to === undefined || to <= from) return this.#rowY(k);
    return this.#rowY(k) + ((t - from) / (to - from)) * (this.#rowY(k + 1) - this.#rowY(k));
  }

  #ladder(): Ladder {
    const rows = this.#times.length;
    const runs = this.#tlsStart === null ? this.#tlsRuns : [...this.#tlsRuns, [this.#tlsStart, rows - 1] as [number, number]];
    const half = this.#rowHeight / 2;
    return {
      width: this.#width,
      height: HEADER + rows * this.#rowHeight + FOOTER,
      rowHeight: this.#rowHeight,
      lifelines: { client: this.#client, server: this.#server },
      arrows: this.#arrows.slice(),
      tlsBands: runs.map(([first, last]) => ({ y1: this.#rowY(first) - half, y2: this.#rowY(last) + half })),
      notes: this.#notes.slice(),
    };
  }
}
