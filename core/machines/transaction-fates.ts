/**
 * What became of each recipient of a mail transaction, read from the wire: the reply to its RCPT,
 * and for a recipient the server took, the one reply that decided the message for all of them
 * (the reply to the end of data or to the last BDAT chunk, a refused DATA, or a 421). The session
 * tracker does the reading, so with PIPELINING each reply is paired with the command it answers
 * by the tracker's queue of unanswered commands, never by its order in a library's callbacks.
 * A session may carry several transactions (a relay that keeps its connection for the next
 * message): they are kept one by one, in the order their MAIL was answered.
 */
import { parseCommand } from '../smtp/command';
import type { TapEvent } from '../wire';
import { BDAT_LAST, END_OF_DATA, commandKey, type ReplySummary } from './session-model';
import { SessionTracker, type FedEvent } from './session-tracker';

export type Fate = 'delivered' | 'deferred' | 'failed';

export interface WireTransaction {
  /** The reply to MAIL FROM. */
  mail: ReplySummary;
  /** Each RCPT TO path as sent, in order, with the reply it got. */
  recipients: Array<{ address: string; reply: ReplySummary }>;
  /**
   * The reply that decided the message for every recipient the server took: to the end of data,
   * the last BDAT chunk, a refused DATA or BDAT, or a 421 (the server closing); null while none came.
   */
  final: ReplySummary | null;
  /** No later reply belongs to it: its final reply came, or RSET, a new EHLO, QUIT or the close ended it. */
  ended: boolean;
}

export interface RecipientFate {
  outcome: Fate;
  /** The reply that decided it. */
  reply: ReplySummary;
}

/** Transactions a log keeps: the reader asks right after each one, so a few is plenty. */
export const KEPT_TRANSACTIONS = 8;

/** 2xx delivered, 4xx deferred (try again later), 5xx failed; null for a code that decides nothing. */
export function fateOfCode(code: number): Fate | null {
  if (code >= 200 && code < 300) return 'delivered';
  if (code >= 400 && code < 500) return 'deferred';
  if (code >= 500 && code < 600) return 'failed';
  return null;
}

/**
 * The fate of `address` in `transaction`, as the server's replies decided it; null while the wire
 * has not decided it (no reply yet, or the connection ended first: the caller's own words then).
 */
export function recipientFate(transaction: WireTransaction, address: string): RecipientFate | null {
  const decided = (reply: ReplySummary | null): RecipientFate | null => {
    const outcome = reply ? fateOfCode(reply.code) : null;
    return reply && outcome ? { outcome, reply } : null;
  };
  // A refused sender refuses every recipient; replies to RCPTs pipelined behind it say only "no MAIL".
  if (fateOfCode(transaction.mail.code) !== 'delivered') return decided(transaction.mail);
  const rcpt = transaction.recipients.findLast((r) => r.address === address)?.reply ?? null;
  if (rcpt && fateOfCode(rcpt.code) !== 'delivered') return decided(rcpt);
  // Taken at RCPT (or, after a 421, never asked): the message's one final reply decides (SMTP, not LMTP).
  if (!rcpt && transaction.final?.code !== 421) return null;
  return decided(transaction.final);
}

/** A reply on one line, as a Diagnostic-Code or a summary shows it: "550 5.1.1 No such user here". */
export function replyLine(reply: ReplySummary): string {
  return `${reply.code} ${reply.text.split('\n').join(' ')}`.replace(/\s+/g, ' ').trim();
}

/** Reads one session's wire events and keeps its mail transactions, the latest few of them. */
export class TransactionLog {
  readonly #tracker = new SessionTracker({ keepLines: false, engine: 'stepper' });
  readonly #kept: WireTransaction[] = [];
  #started = 0;
  #open: WireTransaction | null = null;
  #lastAnswer: { verb: string | null; reply: ReplySummary } | null = null;

  static replay(events: readonly TapEvent[]): TransactionLog {
    const log = new TransactionLog();
    for (const event of events) log.push(event);
    return log;
  }

  /** Transactions begun so far (the number the next one will have, counting from 0). */
  get started(): number {
    return this.#started;
  }

  /** Transaction number `index` (from 0, as `started` counted it), or undefined if none or forgotten. */
  transaction(index: number): WireTransaction | undefined {
    const at = index - (this.#started - this.#kept.length);
    return at >= 0 ? this.#kept[at] : undefined;
  }

  /** The latest complete reply of the session, with the key of the command it answered (null: none). */
  get lastAnswer(): { verb: string | null; reply: ReplySummary } | null {
    return this.#lastAnswer;
  }

  /**
   * What another transaction on this session needs: nothing ('ready'), an RSET first to end the
   * one the server still holds open ('reset'), or a new session ('unusable': the server closed,
   * or a command still waits for its reply because the client gave up on it or the line broke).
   */
  get readiness(): 'ready' | 'reset' | 'unusable' {
    const { state, context } = this.#tracker;
    if (context.pending.length > 0) return 'unusable';
    if (state === 'ready') return 'ready';
    return state === 'mail' || state === 'rcpt' ? 'reset' : 'unusable';
  }

  push(event: TapEvent | FedEvent): void {
    if (event.dir !== 'server') {
      // Client lines and notes only move the tracker; message content is most of them, and cheap.
      this.#tracker.advance(event);
      if (event.info === 'closed' || event.info === 'tls') this.#end();
      return;
    }
    const before = this.#tracker.context;
    const line = this.#tracker.push({ conversation: '', hop: 0, at: 0, tls: false, ...event });
    const reply = line.reply?.reply;
    // A line that is no reply, or a reply after the session ended, answers nothing.
    if (!reply || reply.code === 0 || this.#tracker.context === before) return;
    const answered = this.#tracker.context.answered;
    const summary: ReplySummary = { code: reply.code, enhanced: reply.enhanced, text: reply.lines.join('\n') };
    const verb = answered ? commandKey(answered) : null;
    this.#lastAnswer = { verb, reply: summary };
    this.#read(verb, answered?.line ?? '', summary);
  }

  #read(verb: string | null, line: string, reply: ReplySummary): void {
    if (verb === 'MAIL') {
      this.#end();
      this.#begin(reply);
      if (fateOfCode(reply.code) !== 'delivered') this.#end();
      return;
    }
    const open = this.#open;
    if (reply.code === 421) {
      if (open) open.final ??= reply;
      return this.#end();
    }
    if (!open) return;
    const code = reply.code;
    if (verb === 'RCPT') {
      const address = parseCommand(line).path;
      if (address !== null) open.recipients.push({ address, reply });
    } else if (verb === END_OF_DATA || verb === BDAT_LAST) {
      this.#decide(open, reply);
    } else if ((verb === 'DATA' || verb === 'BDAT') && code >= 400) {
      this.#decide(open, reply);
    } else if (verb === 'RSET' || verb === 'QUIT' || ((verb === 'EHLO' || verb === 'HELO') && code < 300)) {
      this.#end();
    }
  }

  #begin(mail: ReplySummary): void {
    const transaction: WireTransaction = { mail, recipients: [], final: null, ended: false };
    this.#open = transaction;
    this.#started++;
    this.#kept.push(transaction);
    if (this.#kept.length > KEPT_TRANSACTIONS) this.#kept.shift();
  }

  #decide(open: WireTransaction, reply: ReplySummary): void {
    open.final = reply;
    this.#end();
  }

  #end(): void {
    if (this.#open) this.#open.ended = true;
    this.#open = null;
  }
}
