/**
 * The gate: holds what a client sends until the learner releases it. The tap hands it complete
 * client lines (decrypted, with their raw bytes); the gate cuts them into units — one command
 * line, one AUTH response, or the whole message content from the 354 to the lone "." — and lets
 * one unit through per Next, or one every `intervalMs` while playing. Pipelined commands that
 * arrive in one write become separate units, so the learner sees them go one by one while each
 * line keeps the time the client wrote it. The gate reads lines with core's session tracker, fed
 * the client's lines as they come and the replies the tap passes on: content is what the tracker
 * reads as content, and a line whose reading no reply has decided yet is shown as a possible
 * credential.
 */
import { nextLineUndecided } from '../../core/machines/session-model';
import { SessionTracker, type FedEvent } from '../../core/machines/session-tracker';
import type { DeliveryAction, GateUnit } from '../../core/protocol/delivery';
import { CredentialFilter, type LabAccount } from '../../core/smtp/credential-filter';
import type { SplitLine } from './line-splitter';

/** Milliseconds between units while playing, unless the learner picks another speed. */
export const DEFAULT_PLAY_INTERVAL_MS = 700;
/** Lines of a content unit shown to the learner; a big attachment is thousands of base64 lines. */
export const MAX_UNIT_LINES_SHOWN = 2_000;

export interface ClientLine {
  /** Printable text as the line splitter made it. */
  text: string;
  cut: number;
  /** The line's bytes, with its line ending, exactly as the client wrote them. */
  bytes: Buffer;
  /** The line ended in a bare LF, not CRLF. */
  bareLf: boolean;
  /** When the client wrote it (ms since the conversation began). */
  at: number;
  tls: boolean;
}

/** Pairs each complete line with its own bytes; a line may span chunks, so a tail is carried. */
export class LineBytes {
  #carry: Buffer[] = [];

  cut(chunk: Buffer, lines: SplitLine[], at: number, tls: boolean): ClientLine[] {
    const out: ClientLine[] = [];
    let start = 0;
    for (const line of lines) {
      const piece = chunk.subarray(start, line.end);
      // Copies: the socket may reuse the chunk's memory while the gate still holds the line.
      const bytes = this.#carry.length ? Buffer.concat([...this.#carry, piece]) : Buffer.from(piece);
      this.#carry = [];
      start = line.end;
      out.push({ text: line.text, cut: line.cut, bytes, bareLf: line.bareLf, at, tls });
    }
    if (start < chunk.length) this.#carry.push(Buffer.from(chunk.subarray(start)));
    return out;
  }
}

export interface GateView {
  held: GateUnit | null;
  released: number;
  playing: boolean;
  intervalMs: number;
}

/** Puts lines on their way to the server; `held` says whether the gate held them. */
export type Release = (lines: ClientLine[], held: boolean) => void;

interface Unit {
  view: GateUnit;
  lines: ClientLine[];
}

export class Gate {
  readonly #filter: CredentialFilter;
  readonly #tracker = new SessionTracker({ keepLines: false, engine: 'stepper' });
  readonly #onChange: (view: GateView) => void;
  #release: Release | null = null;
  readonly #queue: Unit[] = [];
  /** Collecting the message content (after 354, until the lone "."). */
  #content: ClientLine[] | null = null;
  #cut = 0;
  #released = 0;
  #playing = false;
  #intervalMs = DEFAULT_PLAY_INTERVAL_MS;
  #timer: NodeJS.Timeout | null = null;
  /** After Run: nothing is held any more. */
  #open = false;
  #closed = false;
  #drained: Array<() => void> = [];

  /** `accounts`: the lab's own credentials, the only ones a unit may show. */
  constructor(accounts: readonly LabAccount[], onChange: (view: GateView) => void) {
    this.#filter = new CredentialFilter(accounts);
    this.#onChange = onChange;
  }

  /** The tap says where released lines go. */
  attach(release: Release): void {
    this.#release = release;
  }

  get view(): GateView {
    return { held: this.#queue[0]?.view ?? null, released: this.#released, playing: this.#playing, intervalMs: this.#intervalMs };
  }

  /** True while some unit, or part of the content, waits here. */
  get holding(): boolean {
    return this.#queue.length > 0 || (this.#content?.length ?? 0) > 0;
  }

  /** Complete client lines, in the order the client wrote them. */
  push(lines: ClientLine[]): void {
    if (this.#closed || lines.length === 0) return;
    if (this.#open) {
      this.#release?.(lines, false);
      return;
    }
    const wasEmpty = this.#queue.length === 0;
    for (const line of lines) this.#take(line);
    if (wasEmpty && this.#queue.length > 0) this.#changed();
    this.#schedule();
  }

  /** A server line or a TLS note, as the tap records it: it tells how the lines to come are read. */
  read(event: FedEvent): void {
    this.#tracker.advance(event);
  }

  /** The step controls other than Abort, which only the owner of the connection can carry out. */
  control(action: Exclude<DeliveryAction, 'abort'>, intervalMs?: number): void {
    if (action === 'next') this.next();
    else if (action === 'play') this.play(intervalMs);
    else if (action === 'pause') this.pause();
    else this.run();
  }

  next(): void {
    if (this.#timer) this.#clearTimer();
    this.#releaseOne();
    this.#schedule();
  }

  play(intervalMs = this.#intervalMs): void {
    this.#intervalMs = intervalMs;
    this.#playing = true;
    this.#clearTimer();
    this.#changed();
    this.#schedule();
  }

  pause(): void {
    this.#playing = false;
    this.#clearTimer();
    this.#changed();
  }

  /** Release everything now and hold nothing from here on. */
  run(): void {
    this.#playing = false;
    this.#clearTimer();
    this.#open = true;
    while (this.#queue.length > 0) this.#releaseOne(false);
    const partial = this.#content;
    this.#content = null;
    if (partial?.length) this.#release?.(partial, true);
    this.#changed();
  }

  /** Call `then` once nothing is held (now, if nothing is). */
  whenDrained(then: () => void): void {
    if (this.holding) this.#drained.push(then);
    else then();
  }

  /** The conversation is over: drop whatever is held, stop the clock. */
  close(): void {
    this.#closed = true;
    this.#playing = false;
    this.#clearTimer();
    this.#queue.length = 0;
    this.#content = null;
    this.#drained = [];
  }

  #take(line: ClientLine): void {
    const undecided = nextLineUndecided(this.#tracker.context);
    const mode = this.#tracker.advance({ dir: 'client', text: line.text, cut: line.cut, bareLf: line.bareLf });
    if (mode === 'data') {
      const content = (this.#content ??= []);
      content.push(line);
      // The lone "." that ends the content, as the tracker reads it: the unit is complete.
      if (this.#tracker.mode !== 'data') {
        this.#content = null;
        this.#enqueue('content', content, content.map((l) => l.text));
      }
      return;
    }
    const shown =
      undecided ? this.#filter.filterUndecided(line.text)
      : mode === 'auth' || mode === 'command' ? this.#filter.filter(line.text, mode)
      : line;
    this.#enqueue('command', [line], [shown.text]);
  }

  #enqueue(kind: GateUnit['kind'], lines: ClientLine[], shown: string[]): void {
    const more = shown.length - MAX_UNIT_LINES_SHOWN;
    const view: GateUnit = {
      index: this.#cut++,
      kind,
      lines: more > 0 ? [...shown.slice(0, MAX_UNIT_LINES_SHOWN), `… ${more} more lines`] : shown,
      bytes: lines.reduce((sum, line) => sum + line.bytes.length, 0),
      tls: lines[0]?.tls ?? false,
    };
    this.#queue.push({ view, lines });
  }

  #releaseOne(announce = true): void {
    const unit = this.#queue.shift();
    if (!unit) return;
    this.#released++;
    this.#release?.(unit.lines, true);
    if (announce) this.#changed();
    if (!this.holding) {
      const drained = this.#drained;
      this.#drained = [];
      for (const then of drained) then();
    }
  }

  #schedule(): void {
    if (!this.#playing || this.#timer || this.#queue.length === 0 || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#releaseOne();
      this.#schedule();
    }, this.#intervalMs);
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #changed(): void {
    if (!this.#closed) this.#onChange(this.view);
  }
}
