/**
 * The gate: holds what a client sends until the learner releases it. The tap hands it complete
 * client lines (decrypted, with their raw bytes); the gate cuts them into units — one command
 * line, one AUTH response, or the whole message content from the 354 to the lone "." — and lets
 * one unit through per Next, or one every `intervalMs` while playing. Pipelined commands that
 * arrive in one write become separate units, so the learner sees them go one by one while each
 * line keeps the time the client wrote it. Framing only: the gate learns about DATA and AUTH from
 * the replies the tap reports, not by guessing from the client's lines.
 */
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
      out.push({ text: line.text, cut: line.cut, bytes, at, tls });
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
  readonly #onChange: (view: GateView) => void;
  #release: Release | null = null;
  readonly #queue: Unit[] = [];
  /** Collecting the message content (after 354, until the lone "."). */
  #content: ClientLine[] | null = null;
  /** A 334 came: the next line answers the server's challenge (and may carry a credential). */
  #saslTurn = false;
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

  /** A complete reply from the server, and the verb it answers. */
  reply(verb: string, code: number): void {
    if (code === 334) this.#saslTurn = true;
    // Content follows only a 354 to DATA; nodemailer waits for it, as RFC 2920 requires.
    if (verb === 'DATA' && code === 354) this.#content = [];
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
    if (this.#content) {
      this.#content.push(line);
      if (line.text === '.') {
        const content = this.#content;
        this.#content = null;
        this.#enqueue('content', content, content.map((l) => l.text));
      }
      return;
    }
    const mode = this.#saslTurn ? 'auth' : 'command';
    this.#saslTurn = false;
    this.#enqueue('command', [line], [this.#filter.filter(line.text, mode).text]);
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
