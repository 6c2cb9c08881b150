/**
 * Relay sessions kept per destination, as an MTA does under load: at most a few sessions to one
 * host at a time, and a message that finds them all busy waits for the next free one instead of
 * opening its own. A finished session goes straight on to the next waiting message (a new MAIL
 * FROM; RSET first after a refusal), so one recorded conversation carries several transactions
 * and one TLS handshake serves them all. With nobody waiting it says QUIT at once, so a single
 * message still gets a session of its own, exactly as before.
 */
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { TransactionLog } from '../../core/machines/transaction-fates';
import { WaitingLine } from './waiting-line';

/** Sessions to one host at a time: Postfix's initial destination concurrency. */
export const SESSIONS_PER_HOST = 5;
/** Transactions per session. */
export const MESSAGES_PER_SESSION = 50;
/**
 * Message lines per session. A conversation's record keeps 5,000 lines (then drops the middle);
 * with this many message lines, the commands, replies and TLS records of 50 transactions still
 * fit, so sharing a session never costs a line of the record. A bigger message gets a session
 * of its own, as every message did before.
 */
export const LINES_PER_SESSION = 2_000;

export interface Session {
  connection: SMTPConnection;
  /** The recorded conversation the session is, if one is recorded. */
  conversation: string | null;
  /** Its transactions as the recorded replies tell them: each message's recipients' fates come from here. */
  wire: TransactionLog;
  /** True once the connection ended under the client (its 'end' event), whatever the wire shows yet. */
  ended(): boolean;
}

/** After a transaction: go on with MAIL FROM, RSET first (a refusal), or QUIT (the connection is broken). */
export type AfterUse = 'next' | 'reset' | 'close';

export interface Lease extends Session {
  /** true: the session carried an earlier message; false: it was opened for this one. */
  reused: boolean;
  release(after: AfterUse): void;
}

interface Waiter {
  /** Lines the message adds to the session's record. */
  lines: number;
  open(): Promise<Session>;
  resolve(lease: Lease): void;
  reject(error: Error): void;
}

/** What a session has carried so far. */
interface Carried {
  messages: number;
  lines: number;
}

export class RelaySessions {
  readonly #perHost: number;
  readonly #messagesPerSession: number;
  /** Sessions open (or opening) per destination key. */
  readonly #open = new Map<string, number>();
  readonly #waiting = new Map<string, WaitingLine<Waiter>>();
  #closed = false;

  constructor(options: { perHost?: number; messagesPerSession?: number } = {}) {
    this.#perHost = options.perHost ?? SESSIONS_PER_HOST;
    this.#messagesPerSession = options.messagesPerSession ?? MESSAGES_PER_SESSION;
  }

  /** A session to `key`: handed over from a message before, or opened with `open` when there is room. */
  lease(key: string, lines: number, open: () => Promise<Session>): Promise<Lease> {
    if (this.#closed) return Promise.reject(closedError());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { lines, open, resolve, reject };
      if ((this.#open.get(key) ?? 0) < this.#perHost) this.#start(key, waiter);
      else this.#waitersOf(key).push(waiter);
    });
  }

  /** Shutting down: nobody waits any longer, and no session is handed on. */
  close(): void {
    this.#closed = true;
    for (const waiters of this.#waiting.values()) for (const waiter of waiters.drain()) waiter.reject(closedError());
    this.#waiting.clear();
  }

  #start(key: string, waiter: Waiter): void {
    this.#open.set(key, (this.#open.get(key) ?? 0) + 1);
    waiter.open().then(
      (session) => waiter.resolve(this.#lease(key, session, { messages: 1, lines: waiter.lines }, false)),
      (error: unknown) => {
        this.#ended(key);
        waiter.reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  #lease(key: string, session: Session, carried: Carried, reused: boolean): Lease {
    let released = false;
    return {
      ...session,
      reused,
      release: (after) => {
        if (released) return;
        released = true;
        this.#release(key, session, carried, after);
      },
    };
  }

  #release(key: string, session: Session, carried: Carried, after: AfterUse): void {
    const first = this.#waiting.get(key)?.first;
    const fits = first !== undefined && carried.messages < this.#messagesPerSession && carried.lines + first.lines <= LINES_PER_SESSION;
    const next = after !== 'close' && fits && !this.#closed ? this.#nextWaiter(key) : undefined;
    if (!next) {
      session.connection.quit();
      this.#ended(key);
      return;
    }
    const more: Carried = { messages: carried.messages + 1, lines: carried.lines + next.lines };
    if (after === 'next') {
      next.resolve(this.#lease(key, session, more, true));
      return;
    }
    session.connection.reset((error) => {
      if (!error) return next.resolve(this.#lease(key, session, more, true));
      // The session is no good after all: the waiter opens one of its own in its place.
      session.connection.close();
      this.#open.set(key, (this.#open.get(key) ?? 1) - 1);
      this.#start(key, next);
    });
  }

  #waitersOf(key: string): WaitingLine<Waiter> {
    let waiters = this.#waiting.get(key);
    if (!waiters) this.#waiting.set(key, (waiters = new WaitingLine<Waiter>()));
    return waiters;
  }

  #nextWaiter(key: string): Waiter | undefined {
    const waiters = this.#waiting.get(key);
    const next = waiters?.shift();
    if (waiters && waiters.length === 0) this.#waiting.delete(key);
    return next;
  }

  /** A session to `key` is gone: a waiting message gets its place, with a session of its own. */
  #ended(key: string): void {
    const count = (this.#open.get(key) ?? 1) - 1;
    if (count > 0) this.#open.set(key, count);
    else this.#open.delete(key);
    const next = this.#closed ? undefined : this.#nextWaiter(key);
    if (next) this.#start(key, next);
  }
}

/** Lines a message adds to a session's record, with room for the DKIM-Signature the relay may add. */
export function messageLines(raw: Buffer): number {
  let lines = 8;
  for (let at = raw.indexOf(10); at !== -1; at = raw.indexOf(10, at + 1)) lines++;
  return lines;
}

function closedError(): Error {
  return new Error('The relay is shutting down');
}
