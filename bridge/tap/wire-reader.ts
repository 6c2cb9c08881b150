/**
 * Reads one connection's lines with core's session tracker, the only reader of SMTP lines, and
 * keeps credentials out of the record. How the server reads a client line depends on the replies
 * to the lines before it: pipelined right behind `AUTH PLAIN`, a line is a credential if the
 * server answers 334 and a command otherwise. So a client line whose reading is still undecided
 * waits here, with every client line after it, until the reply that decides it arrives; then it
 * goes to the tracker and the credential filter in the order the server read it. The bytes are
 * long gone to the server by then: only the record waits.
 */
import { AUTH_RESPONSE, nextLineUndecided } from '../../core/machines/session-model';
import { SessionTracker, type SessionStateName } from '../../core/machines/session-tracker';
import { CredentialFilter, type FilteredLine, type LabAccount } from '../../core/smtp/credential-filter';
import type { TapEvent } from './line-tap';

/**
 * Client lines held while their reading is undecided. A client may not pipeline past AUTH or DATA
 * (RFC 2920, RFC 4954), so only a misbehaving one gets here; past this many, the oldest goes on
 * undecided (see #read).
 */
export const MAX_UNDECIDED_LINES = 1_000;

export class WireReader {
  // The stepper: the same machine without an actor's cost, on every line of every conversation.
  readonly #tracker = new SessionTracker({ keepLines: false, engine: 'stepper' });
  readonly #credentials: CredentialFilter;
  readonly #maxHeld: number;
  #held: TapEvent[] = [];

  /** `accounts`: the lab's own credentials, the only ones ever shown decoded. */
  constructor(accounts: readonly LabAccount[] = [], maxHeld = MAX_UNDECIDED_LINES) {
    this.#credentials = new CredentialFilter(accounts);
    this.#maxHeld = maxHeld;
  }

  get state(): SessionStateName {
    return this.#tracker.state;
  }

  /** The session as the server has read it so far (held lines not yet included). */
  get tracker(): SessionTracker {
    return this.#tracker;
  }

  /** Any event, by its direction: the events to record now, in order. */
  read(event: TapEvent): TapEvent[] {
    if (event.dir === 'client') return this.client(event);
    if (event.dir === 'server') return this.server(event).events;
    return this.info(event);
  }

  /** A client line the server has been sent: the events to record now, in order (none while it waits). */
  client(event: TapEvent): TapEvent[] {
    if (this.#held.length === 0 && !nextLineUndecided(this.#tracker.context)) return [this.#read(event)];
    this.#held.push(event);
    const out: TapEvent[] = [];
    while (this.#held.length > this.#maxHeld) out.push(this.#read(this.#held.shift() as TapEvent, true));
    return out;
  }

  /**
   * A server line: the events to record (the line, then any client lines its reply decided) and
   * whether it was the 220 to STARTTLS, after which both ends start TLS.
   */
  server(event: TapEvent): { events: TapEvent[]; startsTls: boolean } {
    const before = this.#tracker.state;
    this.#tracker.advance(event);
    const startsTls = before !== 'tls' && this.#tracker.state === 'tls';
    if (this.#held.length === 0) return { events: [event], startsTls };
    return { events: [event, ...this.#decided()], startsTls };
  }

  /** A 'tls' or 'closed' note moves the tracker too; at the close, what still waits goes undecided. */
  info(event: TapEvent): TapEvent[] {
    const out = event.info === 'closed' ? this.#held.splice(0).map((held) => this.#read(held, true)) : [];
    this.#tracker.advance(event);
    out.push(event);
    return out;
  }

  /** Held lines, from the oldest, whose reading the replies so far have decided. */
  #decided(): TapEvent[] {
    const out: TapEvent[] = [];
    while (this.#held.length > 0 && !nextLineUndecided(this.#tracker.context)) out.push(this.#read(this.#held.shift() as TapEvent));
    return out;
  }

  /**
   * Feed a client line to the tracker and replace a credential in it. `undecided`: the reply that
   * decides how the server reads it never came (the connection closed, or too many lines waited).
   * Behind AUTH it may be a credential, so it is hidden unless it is a lab one; behind DATA it is
   * content or a command, and a command is filtered as one.
   */
  #read(event: TapEvent, undecided = false): TapEvent {
    const newest = this.#tracker.context.pending.at(-1)?.verb;
    const mayBeCredential = undecided && (newest === 'AUTH' || newest === AUTH_RESPONSE);
    const mode = this.#tracker.advance(event);
    let filtered: FilteredLine | null = null;
    if (mayBeCredential) filtered = this.#credentials.filterUndecided(event.text);
    // Only a command or an AUTH response can carry a credential; message content never changes the filter.
    else if (mode === 'command' || mode === 'auth') filtered = this.#credentials.filter(event.text, mode);
    return filtered?.redacted ? { ...event, text: filtered.text, redacted: true } : event;
  }
}
