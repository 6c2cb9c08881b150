/**
 * Relay sessions kept per destination, as an MTA does (Postfix's connection cache): at most a few
 * sessions to one host at a time, and a message that finds them all busy waits for the next free
 * one instead of opening its own. A finished session goes straight on to the next waiting message
 * (a new MAIL FROM; RSET first after a refusal), so one recorded conversation carries several
 * transactions and one TLS handshake serves them all. With nobody waiting it stays open, idle, for
 * a moment (`idleMs`): the next message for that host within it rides on it too, and after it
 * the session says QUIT. With `idleMs` 0 a lone message gets a session of its own, as before.
 */
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { TransactionLog } from '../../core/machines/transaction-fates';
import { WaitingLine } from './waiting-line';

/** Sessions to one host at a time: Postfix's initial destination concurrency. */
export const SESSIONS_PER_HOST = 5;
/** Transactions per session. */
export const MESSAGES_PER_SESSION = 50;
/** How long a session with nothing to carry stays open for the next message: Postfix's 2 s cache time. */
export const RELAY_IDLE_MS = 2_000;

/** The named limits of the relay's sessions (the bridge's --relay-* options). */
export interface RelaySessionOptions {
  /** Sessions to one host at a time (--relay-sessions-per-host). */
  perHost?: number;
  /** Transactions one session carries before it says QUIT (--relay-messages-per-session; 1: no reuse). */
  messagesPerSession?: number;
  /** Milliseconds an idle session waits for the next message before QUIT (--relay-idle-ms; 0: none). */
  idleMs?: number;
}
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

/** A session open with nothing to carry, until its timer says QUIT. */
interface Idle {
  session: Session;
  carried: Carried;
  timer: NodeJS.Timeout;
}

export class RelaySessions {
  readonly #perHost: number;
  readonly #messagesPerSession: number;
  readonly #idleMs: number;
  /** Sessions open (or opening) per destination key, idle ones included. */
  readonly #open = new Map<string, number>();
  readonly #waiting = new Map<string, WaitingLine<Waiter>>();
  /** Idle sessions per destination key, the latest last. */
  readonly #idle = new Map<string, Idle[]>();
  #closed = false;

  constructor(options: RelaySessionOptions = {}) {
    this.#perHost = options.perHost ?? SESSIONS_PER_HOST;
    this.#messagesPerSession = options.messagesPerSession ?? MESSAGES_PER_SESSION;
    this.#idleMs = options.idleMs ?? RELAY_IDLE_MS;
  }

  /**
   * A session to `key`: an idle one, one handed over from a message before, or one opened with
   * `open` when there is room. `fresh`: not an idle one (the last one broke under this message).
   */
  lease(key: string, lines: number, open: () => Promise<Session>, options: { fresh?: boolean } = {}): Promise<Lease> {
    if (this.#closed) return Promise.reject(closedError());
    const idle = options.fresh ? undefined : this.#takeIdle(key, lines);
    if (idle) return Promise.resolve(this.#lease(key, idle.session, { messages: idle.carried.messages + 1, lines: idle.carried.lines + lines }, true));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { lines, open, resolve, reject };
      if ((this.#open.get(key) ?? 0) < this.#perHost) this.#start(key, waiter);
      else if (this.#closeIdle(key)) this.#start(key, waiter);
      else this.#waitersOf(key).push(waiter);
    });
  }

  /** Sessions open to `key` now (opening, carrying or idle). */
  openTo(key: string): number {
    return this.#open.get(key) ?? 0;
  }

  /** Shutting down: nobody waits any longer, no session is handed on, idle ones say QUIT. */
  close(): void {
    this.#closed = true;
    for (const waiters of this.#waiting.values()) for (const waiter of waiters.drain()) waiter.reject(closedError());
    this.#waiting.clear();
    this.endIdle();
  }

  /** Every idle session says QUIT now (a lesson begins: its hops must be conversations of its own). */
  endIdle(): void {
    for (const [key, idle] of this.#idle) for (const each of [...idle]) this.#endIdle(key, each);
  }

  /** The latest idle session to `key` that still works and has room for `lines`; others there say QUIT. */
  #takeIdle(key: string, lines: number): Idle | undefined {
    const idle = this.#idle.get(key);
    while (idle?.length) {
      const latest = idle.pop() as Idle;
      clearTimeout(latest.timer);
      const fits = latest.carried.messages < this.#messagesPerSession && latest.carried.lines + lines <= LINES_PER_SESSION;
      if (fits && !latest.session.ended() && latest.session.wire.readiness === 'ready') {
        if (idle.length === 0) this.#idle.delete(key);
        return latest;
      }
      this.#quit(key, latest.session);
    }
    this.#idle.delete(key);
    return undefined;
  }

  /** All sessions to `key` are taken: one that is only idle makes room for a message that needs a new one. */
  #closeIdle(key: string): boolean {
    const oldest = this.#idle.get(key)?.[0];
    if (!oldest) return false;
    this.#endIdle(key, oldest);
    // Nobody waits while a session is idle, so the place it freed is still there.
    return (this.#open.get(key) ?? 0) < this.#perHost;
  }

  #park(key: string, session: Session, carried: Carried): void {
    const idle: Idle = { session, carried, timer: setTimeout(() => this.#endIdle(key, idle), this.#idleMs) };
    // An idle session must not keep a process alive that has nothing else to do.
    idle.timer.unref();
    let list = this.#idle.get(key);
    if (!list) this.#idle.set(key, (list = []));
    list.push(idle);
  }

  #endIdle(key: string, idle: Idle): void {
    clearTimeout(idle.timer);
    const list = this.#idle.get(key);
    const at = list?.indexOf(idle) ?? -1;
    if (at === -1) return;
    list?.splice(at, 1);
    if (list?.length === 0) this.#idle.delete(key);
    this.#quit(key, idle.session);
  }

  #quit(key: string, session: Session): void {
    session.connection.quit();
    this.#ended(key);
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
      const room = carried.messages < this.#messagesPerSession && carried.lines < LINES_PER_SESSION;
      const nobodyWaits = (this.#waiting.get(key)?.length ?? 0) === 0;
      if (after === 'next' && room && nobodyWaits && this.#idleMs > 0 && !this.#closed) return this.#park(key, session, carried);
      this.#quit(key, session);
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
