/**
 * When the relay queue's delivery attempts run. One learner's mail goes on at once, as before.
 * Under a burst of arrivals (an app pumping mail into the lab's port) the relay waits, as an MTA's
 * queue manager lets its active queue wait: taking mail in comes first, and relaying a message
 * costs several times what taking it in does, on the same thread. The wait is bounded: once the
 * oldest attempt has waited `maxHoldMs`, attempts run again, one at a time, if the event loop has
 * time to spare; a loop kept busy by the burst holds them until `saturatedHoldMs`, then they run
 * one at a time however busy it is. (A queue that fills up meanwhile answers 452: see busy().)
 * Real time, not the lab clock: this is about the machine's work, not the story's time.
 */
import { performance } from 'node:perf_hooks';
import { WaitingLine } from './waiting-line';

export interface SchedulerOptions {
  /** Attempts running at once when the port is quiet. */
  maxRunning?: number;
  /** Arrivals within two windows that make a burst. */
  burst?: number;
  windowMs?: number;
  /** How long an attempt waits for a burst to end before the relay goes on, if the loop has time. */
  maxHoldMs?: number;
  /** How long it waits while the burst keeps the event loop busy. */
  saturatedHoldMs?: number;
  /** The event loop's busy share (0–1) above which it has no time to spare. */
  saturated?: number;
  now?(): number;
  /** The event loop's busy share lately (0–1); defaults to Node's event-loop utilization per window. */
  loopBusy?(): number;
}

export const SCHEDULER_DEFAULTS: Required<Omit<SchedulerOptions, 'now' | 'loopBusy'>> = {
  maxRunning: 64,
  // 20 messages in 100-200 ms: more than a learner's hands or a lesson send.
  burst: 20,
  windowMs: 100,
  maxHoldMs: 1_000,
  saturatedHoldMs: 10_000,
  saturated: 0.9,
};

/** Node's event-loop utilization over the last finished window of `windowMs`. */
function loopMeter(windowMs: number): () => number {
  let last = performance.eventLoopUtilization();
  let at = performance.now();
  let busy = 0;
  return () => {
    const now = performance.now();
    if (now - at >= windowMs) {
      const current = performance.eventLoopUtilization();
      busy = performance.eventLoopUtilization(current, last).utilization;
      last = current;
      at = now;
    }
    return busy;
  };
}

export class AttemptScheduler<T> {
  readonly #options: Required<Omit<SchedulerOptions, 'now' | 'loopBusy'>>;
  readonly #now: () => number;
  readonly #loopBusy: () => number;
  /** Starts an item's attempt; its promise settles when the attempt is over (a failure is the caller's to report). */
  readonly #start: (item: T) => Promise<void>;
  /** Items waiting, oldest first, and when each arrived: no promise per item, which a burst made thousands of. */
  #waiting = new WaitingLine<{ item: T; since: number }>();
  #running = 0;
  #windowStart = 0;
  #inWindow = 0;
  #inLastWindow = 0;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #onStart: Array<() => void> = [];

  constructor(start: (item: T) => Promise<void>, options: SchedulerOptions = {}) {
    const { now, loopBusy, ...rest } = options;
    this.#start = start;
    this.#options = { ...SCHEDULER_DEFAULTS, ...rest };
    this.#now = now ?? (() => performance.now());
    this.#loopBusy = loopBusy ?? loopMeter(this.#options.windowMs);
  }

  /** Attempts waiting to start. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** A message arrived from outside the queue (not a bounce of its own). */
  noteArrival(): void {
    this.#roll();
    this.#inWindow += 1;
  }

  /** Whether arrivals come in a burst now. */
  get busy(): boolean {
    this.#roll();
    return this.#inWindow + this.#inLastWindow >= this.#options.burst;
  }

  /**
   * Start `item`'s attempt when its turn comes. An urgent one (a hop the learner steps through)
   * starts at once, whatever the load, and takes no turn: a hop held at the learner's gate must
   * not hold the queue.
   */
  add(item: T, urgent = false): void {
    if (this.#closed) return;
    if (urgent) {
      this.#start(item).catch(() => {});
      this.#started();
      return;
    }
    this.#waiting.push({ item, since: this.#now() });
    this.#pump();
  }

  /** Resolves when the next waiting attempt starts, or at close. */
  nextStart(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#onStart.push(resolve));
  }

  /** No more attempts: those waiting are dropped. */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#waiting.drain();
    this.#started();
  }

  #limit(): number {
    if (!this.busy) return this.#options.maxRunning;
    if (this.waiting === 0) return 0;
    const waited = this.#now() - (this.#waiting.first?.since ?? 0);
    if (waited >= this.#options.saturatedHoldMs) return 1;
    return waited >= this.#options.maxHoldMs && this.#loopBusy() < this.#options.saturated ? 1 : 0;
  }

  #pump(): void {
    if (this.#closed) return;
    let started = false;
    while (this.waiting > 0 && this.#running < this.#limit()) {
      const { item } = this.#waiting.shift() as { item: T };
      this.#running += 1;
      started = true;
      const over = () => {
        this.#running -= 1;
        this.#pump();
      };
      this.#start(item).then(over, over);
    }
    if (started) this.#started();
    // Held back by a burst: look again when it may be over, or when the oldest has waited enough.
    if (this.waiting > 0 && !this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#pump();
      }, this.#options.windowMs);
      this.#timer.unref();
    }
  }

  #started(): void {
    if (this.#onStart.length === 0) return;
    const waiting = this.#onStart;
    this.#onStart = [];
    for (const resolve of waiting) resolve();
  }

  #roll(): void {
    const now = this.#now();
    const elapsed = now - this.#windowStart;
    if (elapsed < this.#options.windowMs) return;
    this.#inLastWindow = elapsed < this.#options.windowMs * 2 ? this.#inWindow : 0;
    this.#inWindow = 0;
    this.#windowStart = now - (elapsed % this.#options.windowMs);
  }
}
