/**
 * The relay queue: mail the submission server accepted waits here until every recipient is
 * delivered, kept outside, or given up on. Each attempt looks up the MX of every domain still
 * pending and relays; 4xx answers wait for a retry with exponential backoff on the lab clock;
 * 5xx answers, or retries used up, become a DSN to the sender, queued like any other mail.
 */
import { wantsFailureReport, type DsnRecipient } from '../../core/world/dsn';
import { domainOf, type LabDns, type MxAnswer } from '../../core/world/lab-dns';
import { REPLIES } from '../../core/world/recipient-policy';
import { MAX_DELIVERY_ATTEMPTS, RETRY_BASE_MS } from '../../core/world/world-definition';
import type { WorldEvent } from '../../core/world/world-events';
import { rfc5322Date } from '../lab/received-header';
import { AttemptScheduler } from './attempt-scheduler';
import { buildDsnMessage } from './dsn-message';
import type { LabClock } from './lab-clock';
import type { Mailboxes } from './mailboxes';
import { deferredQueueEntry, newQueueEntry, type EarlierDeferral, type EnqueueInput, type QueueEntry, type QueuedRecipient, type QueueWriter } from './queue-entry';
import type { RecipientResult } from './relay-client';
import { RetryTimers } from './retry-timers';

export type { EnqueueInput, QueueEntry, QueuedRecipient, QueueWriter } from './queue-entry';

export interface QueueDeps {
  dns: LabDns;
  clock: LabClock;
  mailboxes: Mailboxes;
  emit(event: WorldEvent): void;
  relay(entry: QueueEntry, answer: MxAnswer, recipients: QueuedRecipient[]): Promise<RecipientResult[]>;
  /** Outbound delivery to the real world (off by default): outside domains it accepts go through a smarthost. */
  outbound?: {
    accepts(domain: string): boolean;
    deliver(entry: QueueEntry, domain: string, recipients: QueuedRecipient[]): Promise<RecipientResult[]>;
  };
  retryBaseMs?: number;
  maxAttempts?: number;
  log?(message: string): void;
  /** An attempt that must not wait behind a burst: the first hop of mail a learner steps through. */
  urgent?(queueId: string, attempt: number): boolean;
  writer?: QueueWriter | null;
}

export class RelayQueue {
  readonly #deps: QueueDeps;
  readonly #entries = new Map<string, QueueEntry>();
  readonly #inFlight = new Set<Promise<void>>();
  /** When attempts run: a burst of arrivals holds them back. */
  readonly #scheduler = new AttemptScheduler<QueueEntry>((entry) => this.#run(entry));
  /** Arrived in this turn of the event loop; their attempts are scheduled in the next. */
  #arriving: QueueEntry[] = [];
  /** Entries deferred, waiting on the lab clock for their next attempt. */
  readonly #retries: RetryTimers<QueueEntry>;
  #closed = false;
  #bytes = 0;

  constructor(deps: QueueDeps) {
    this.#deps = deps;
    this.#retries = new RetryTimers(deps.clock);
  }

  /** Messages the queue holds, waiting for an attempt, in one, or for a retry. */
  get size(): number {
    return this.#entries.size;
  }

  /** Bytes of the mail it holds (bounces included), counted against the lab's budget. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Attempts waiting for their turn (a burst of arrivals holds them back). */
  get waiting(): number {
    return this.#scheduler.waiting;
  }

  enqueue(input: EnqueueInput): QueueEntry {
    const entry = this.#keep(newQueueEntry(input, this.#deps.clock.now()));
    this.#deps.writer?.saved(entry, null);
    if (entry.kind === 'mail') this.#scheduler.noteArrival();
    // The first attempt starts at once (real time), after the server's reply has gone out, unless
    // a burst holds it back; only retries wait on the lab clock.
    this.#arriving.push(entry);
    if (this.#arriving.length === 1) setImmediate(() => this.#admit());
    return entry;
  }

  /** Held from now on, counted, and announced. */
  #keep(entry: QueueEntry): QueueEntry {
    this.#entries.set(entry.queueId, entry);
    this.#bytes += entry.raw.length;
    this.#deps.emit({ type: 'queued', at: this.#deps.clock.now(), queueId: entry.queueId, kind: entry.kind, from: entry.envelopeFrom, to: entry.recipients.map((r) => r.address), conversation: entry.conversation });
    return entry;
  }

  /**
   * Take back an entry a lab database kept: its first attempt starts now, or its retry waits for
   * `retryAt` on the lab clock (at once if that has passed while the lab was stopped).
   */
  restore(entry: QueueEntry, retryAt: number | null): void {
    this.#entries.set(entry.queueId, entry);
    this.#bytes += entry.raw.length;
    if (retryAt === null) {
      this.#arriving.push(entry);
      if (this.#arriving.length === 1) setImmediate(() => this.#admit());
    } else {
      this.#retryLater(entry, retryAt - this.#deps.clock.now());
    }
  }

  /** Messages still waiting for a recipient. */
  list(): QueueEntry[] {
    return [...this.#entries.values()];
  }

  /**
   * Resolves once no attempt is running or waiting for its turn, a bounce queued during another
   * attempt included (retries waiting on the lab clock do not count).
   */
  async settled(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    // Once stopped, what waits is dropped: only attempts already running count.
    const waiting = () => !this.#closed && (this.#scheduler.waiting > 0 || this.#arriving.length > 0);
    while (this.#inFlight.size || waiting()) {
      if (this.#inFlight.size) await Promise.allSettled([...this.#inFlight]);
      else if (this.#arriving.length) await new Promise((resolve) => setImmediate(resolve));
      else await this.#scheduler.nextStart();
    }
  }

  /** Stop: no new attempts and no retries. Attempts already running end when their sockets do. */
  stop(): void {
    this.#closed = true;
    this.#arriving = [];
    this.#scheduler.close();
    this.#retries.stop();
  }

  #track(work: Promise<void>): Promise<void> {
    const tracked = work.catch((error: unknown) => this.#deps.log?.(`queue: attempt failed: ${String(error)}`));
    this.#inFlight.add(tracked);
    void tracked.finally(() => this.#inFlight.delete(tracked));
    return tracked;
  }

  #admit(): void {
    const arrived = this.#arriving;
    this.#arriving = [];
    for (const entry of arrived) this.#schedule(entry);
  }

  #schedule(entry: QueueEntry): void {
    if (this.#closed) return;
    this.#scheduler.add(entry, this.#deps.urgent?.(entry.queueId, entry.attempts + 1) ?? false);
  }

  /** An attempt, tracked while it runs; a retry's clock task hears when it is over. */
  async #run(entry: QueueEntry): Promise<void> {
    await this.#track(this.#attempt(entry));
    this.#retries.attemptOver(entry);
  }

  async #attempt(entry: QueueEntry): Promise<void> {
    if (this.#closed) return;
    const { clock, dns, emit } = this.#deps;
    entry.attempts++;
    const pending = entry.recipients.filter((r) => r.state === 'pending');
    const domains = [...new Set(pending.map((r) => domainOf(r.address)))];
    const results: Array<{ recipient: QueuedRecipient; result: RecipientResult }> = [];
    // One domain after the other, so the hops line up in the order the learner reads them.
    for (const domain of domains) {
      const recipients = pending.filter((r) => domainOf(r.address) === domain);
      const answer = dns.resolveMx(domain);
      emit({ type: 'dns.lookup', at: clock.now(), queueId: entry.queueId, query: { name: domain, type: 'MX' }, answer, chosen: answer.candidates[0]?.exchange ?? null });
      const allowed = answer.kind === 'outside' && (this.#deps.outbound?.accepts(domain) ?? false);
      const outbound = allowed && entry.authenticated ? this.#deps.outbound : null;
      if (answer.kind === 'outside' && !outbound) {
        const why = allowed ? KEPT_UNAUTHENTICATED : KEPT_OUTSIDE;
        for (const recipient of recipients) this.#keepOutside(entry, recipient, why);
        continue;
      }
      const outcomes = outbound
        ? await outbound.deliver(entry, domain, recipients)
        : answer.kind === 'null-mx'
          ? recipients.map((r): RecipientResult => ({ recipient: r.address, outcome: 'failed', response: oneLine(REPLIES.nullMx), status: REPLIES.nullMx.enhanced, host: null }))
          : await this.#deps.relay(entry, answer, recipients);
      for (const result of outcomes) {
        const recipient = recipients.find((r) => r.address === result.recipient);
        if (recipient) results.push({ recipient, result });
      }
    }
    this.#settle(entry, results);
  }

  #settle(entry: QueueEntry, results: Array<{ recipient: QueuedRecipient; result: RecipientResult }>): void {
    const { clock, emit } = this.#deps;
    if (this.#closed) return;
    // Taken out while this attempt ran (a lesson's scenario undone): no retry, no bounce, counted once.
    if (this.#entries.get(entry.queueId) !== entry) return;
    const maxAttempts = this.#deps.maxAttempts ?? MAX_DELIVERY_ATTEMPTS;
    const retryIn = (this.#deps.retryBaseMs ?? RETRY_BASE_MS) * 2 ** (entry.attempts - 1);
    const failed: QueuedRecipient[] = [];
    for (const { recipient, result } of results) {
      recipient.last = result;
      let outcome = result.outcome;
      if (outcome === 'deferred' && entry.attempts >= maxAttempts) outcome = 'failed';
      if (outcome === 'delivered') recipient.state = 'delivered';
      if (outcome === 'failed') {
        recipient.state = 'failed';
        failed.push(recipient);
      }
      // One reading of the clock: a millisecond turning between two would put retryAt off by one.
      const at = clock.now();
      const retryAt = outcome === 'deferred' ? at + retryIn : null;
      emit({ type: 'recipient', at, queueId: entry.queueId, attempt: entry.attempts, recipient: recipient.address, outcome, response: result.response, status: result.status, host: result.host, retryAt });
    }
    if (failed.length) this.#bounce(entry, failed);
    this.#reportDelay(entry, results.map((r) => r.recipient).filter((r) => r.state === 'pending' && !r.delayReported && r.notify?.includes('DELAY')));
    if (entry.recipients.some((r) => r.state === 'pending')) {
      this.#deps.writer?.saved(entry, clock.now() + retryIn);
      this.#retryLater(entry, retryIn);
      return;
    }
    this.#forget(entry);
  }

  /** No longer held: uncounted, and announced done. */
  #forget(entry: QueueEntry): void {
    this.#deps.writer?.removed(entry.queueId);
    this.#entries.delete(entry.queueId);
    this.#bytes -= entry.raw.length;
    this.#deps.emit({ type: 'done', at: this.#deps.clock.now(), queueId: entry.queueId });
  }

  /** The next attempt, `retryIn` from now on the lab clock. */
  #retryLater(entry: QueueEntry, retryIn: number): void {
    this.#retries.later(entry, retryIn, (due) => this.#schedule(due));
  }

  /**
   * A message that has already been tried `attempts` times and deferred with `last` (a lesson's
   * scenario): it waits for its next attempt, due in `retryIn` on the lab clock, as one deferred by
   * a real attempt does. Its events say so, for the journey view.
   */
  hold(input: EnqueueInput, deferred: EarlierDeferral & { retryIn: number }): QueueEntry {
    const { clock, emit } = this.#deps;
    const entry = this.#keep(deferredQueueEntry(input, clock.now(), deferred));
    const at = clock.now();
    for (const recipient of entry.recipients) {
      emit({ type: 'recipient', at, queueId: entry.queueId, attempt: entry.attempts, recipient: recipient.address, outcome: 'deferred', response: deferred.last.response, status: deferred.last.status, host: null, retryAt: at + deferred.retryIn });
    }
    this.#retryLater(entry, deferred.retryIn);
    return entry;
  }

  /** Take a message out of the queue without delivering it (a lesson's scenario undone); false if it is gone. */
  remove(queueId: string): boolean {
    const entry = this.#entries.get(queueId);
    if (!entry) return false;
    this.#retries.cancel(entry);
    this.#forget(entry);
    return true;
  }

  #keepOutside(entry: QueueEntry, recipient: QueuedRecipient, response: string): void {
    const { clock, emit, mailboxes } = this.#deps;
    recipient.state = 'outside';
    const stored = mailboxes.add({ mailbox: recipient.address, host: entry.client.name, conversation: entry.conversation, envelopeFrom: entry.envelopeFrom, envelopeTo: [recipient.address], receivedAt: clock.now(), outside: true, raw: entry.raw });
    emit({ type: 'recipient', at: clock.now(), queueId: entry.queueId, attempt: entry.attempts, recipient: recipient.address, outcome: 'outside', response, status: '2.0.0', host: null, retryAt: null });
    emit({ type: 'stored', at: clock.now(), mailbox: stored.mailbox, messageId: stored.id, host: stored.host, conversation: stored.conversation, outside: true });
  }

  /** A DSN for the recipients that failed, unless the mail was itself a bounce or they asked for none. */
  #bounce(entry: QueueEntry, failed: QueuedRecipient[]): void {
    // Never answer a bounce with a bounce (RFC 5321 §4.5.5): that is how mail loops start.
    if (entry.envelopeFrom === '') return;
    const notify = failed.filter((r) => wantsFailureReport(r.notify));
    if (!notify.length) {
      for (const r of failed) this.#deps.emit({ type: 'recipient', at: this.#deps.clock.now(), queueId: entry.queueId, attempt: entry.attempts, recipient: r.address, outcome: 'suppressed', response: 'No bounce: the sender asked for none (NOTIFY)', status: r.last?.status ?? '5.0.0', host: r.last?.host ?? null, retryAt: null });
      return;
    }
    const date = rfc5322Date(new Date(this.#deps.clock.now()));
    const recipients: DsnRecipient[] = notify.map((r) => ({
      finalRecipient: r.address,
      originalRecipient: r.orcpt,
      action: 'failed',
      status: r.last?.status ?? '5.0.0',
      remoteMta: r.last?.host ?? null,
      diagnostic: r.last?.response ?? null,
      lastAttemptDate: date,
    }));
    // A bounce goes out only for mail that could: else a forged MAIL FROM would aim it at anyone.
    this.sendBounce({ reportingMta: entry.client, to: entry.envelopeFrom, original: entry.raw, queueId: entry.queueId, arrivedAt: entry.arrivedAt, ret: entry.dsn.ret, envid: entry.dsn.envid, recipients, hop: entry.hop + 1, authenticated: entry.authenticated });
  }

  /** NOTIFY=DELAY (RFC 3461 §4.1): one "delayed" report, with the headers only, when a recipient is first deferred. */
  #reportDelay(entry: QueueEntry, delayed: QueuedRecipient[]): void {
    if (!delayed.length || entry.envelopeFrom === '') return;
    const date = rfc5322Date(new Date(this.#deps.clock.now()));
    for (const r of delayed) r.delayReported = true;
    const recipients: DsnRecipient[] = delayed.map((r) => ({ finalRecipient: r.address, originalRecipient: r.orcpt, action: 'delayed', status: r.last?.status ?? '4.0.0', remoteMta: r.last?.host ?? null, diagnostic: r.last?.response ?? null, lastAttemptDate: date }));
    this.sendBounce({ reportingMta: entry.client, to: entry.envelopeFrom, original: entry.raw, queueId: entry.queueId, arrivedAt: entry.arrivedAt, ret: 'HDRS', envid: entry.dsn.envid, recipients, hop: entry.hop + 1, authenticated: entry.authenticated });
  }

  /** Queue a DSN from `reportingMta` to `to`; also used by hosts that bounce after accepting. */
  sendBounce(bounce: { reportingMta: { name: string; address: string }; to: string; original: Buffer; queueId: string; arrivedAt: number; ret: string | null; envid: string | null; recipients: DsnRecipient[]; hop: number; authenticated: boolean }): void {
    const { clock, emit } = this.#deps;
    const raw = buildDsnMessage({
      report: { reportingMta: bounce.reportingMta.name, envelopeId: bounce.envid, arrivalDate: rfc5322Date(new Date(bounce.arrivedAt)), queueId: bounce.queueId, recipients: bounce.recipients },
      to: bounce.to,
      original: bounce.original,
      ret: bounce.ret === 'HDRS' ? 'HDRS' : 'FULL',
      date: new Date(clock.now()),
    });
    const dsnEntry = this.enqueue({ raw, envelopeFrom: '', envelopeTo: [bounce.to], kind: 'bounce', hop: bounce.hop, client: bounce.reportingMta, authenticated: bounce.authenticated });
    emit({ type: 'bounce', at: clock.now(), queueId: bounce.queueId, bounceQueueId: dsnEntry.queueId, to: bounce.to, recipients: bounce.recipients.map((r) => r.finalRecipient), reportingMta: bounce.reportingMta.name });
  }
}

/** Why mail for an outside domain stayed in the lab: the words the page shows for that recipient. */
const KEPT_OUTSIDE = 'Kept in the outside mailbox: the lab sends nothing beyond this machine';
const KEPT_UNAUTHENTICATED =
  'Kept in the outside mailbox: only mail sent after logging in (AUTH with the lab account) leaves through the smarthost, and this was sent without';

function oneLine(reply: { code: number; enhanced: string; text: string }): string {
  return `${reply.code} ${reply.enhanced} ${reply.text}`;
}
