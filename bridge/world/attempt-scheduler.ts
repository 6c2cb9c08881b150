/**
 * When the relay queue's delivery attempts run. One learner's mail goes on at once, as before.
 * Under a burst of arrivals (an app pumping mail into the lab's port) the relay waits, as an MTA's
 * queue manager lets its active queue wait: taking mail in comes first, and relaying a message
 * costs several times what taking it in does, on the same thread. The wait is bounded: once the
 * oldest attempt has waited `maxHoldMs`, attempts run again, one at a time, however busy the port.
 * Real time, not the lab clock: this is about the machine's work, not the story's time.
 */

export interface SchedulerOptions {
  /** Attempts running at once when the port is quiet. */
  maxRunning?: number;
  /** Arrivals within two windows that make a burst. */
  burst?: number;
  windowMs?: number;
  /** Longest an attempt waits for a burst to end before the relay goes on anyway. */
  maxHoldMs?: number;
  now?(): number;
}

export const SCHEDULER_DEFAULTS: Required<Omit<SchedulerOptions, 'now'>> = {
  maxRunning: 64,
  // 20 messages in 100-200 ms: more than a learner's hands or a lesson send.
  burst: 20,
  windowMs: 100,
  maxHoldMs: 1_000,
};

interface Waiting {
  task: () => Promise<void>;
  since: number;
  done: () => void;
  failed: (error: unknown) => void;
}

export class AttemptScheduler {
  readonly #options: Required<Omit<SchedulerOptions, 'now'>>;
  readonly #now: () => number;
  #waiting: Waiting[] = [];
  #head = 0;
  #running = 0;
  #windowStart = 0;
  #inWindow = 0;
  #inLastWindow = 0;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(options: SchedulerOptions = {}) {
    const { now, ...rest } = options;
    this.#options = { ...SCHEDULER_DEFAULTS, ...rest };
    this.#now = now ?? (() => performance.now());
  }

  /** Attempts waiting to start. */
  get waiting(): number {
    return this.#waiting.length - this.#head;
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
   * Run `task` when its turn comes; resolves once it has run (or was dropped by close). An urgent
   * task (a hop the learner steps through) starts at once, whatever the load.
   */
  run(task: () => Promise<void>, urgent = false): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (urgent) return task(); // not counted: a hop held at the learner's gate must not hold the queue
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ task, since: this.#now(), done: resolve, failed: reject });
      this.#pump();
    });
  }

  /** No more attempts: those waiting are dropped (resolved without running). */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (let index = this.#head; index < this.#waiting.length; index++) this.#waiting[index]?.done();
    this.#waiting = [];
    this.#head = 0;
  }

  #limit(): number {
    if (!this.busy) return this.#options.maxRunning;
    const oldest = this.#waiting[this.#head];
    return oldest && this.#now() - oldest.since >= this.#options.maxHoldMs ? 1 : 0;
  }

  #pump(): void {
    if (this.#closed) return;
    while (this.waiting > 0 && this.#running < this.#limit()) {
      const next = this.#waiting[this.#head];
      this.#waiting[this.#head++] = undefined as unknown as Waiting;
      if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
        this.#waiting = this.#waiting.slice(this.#head);
        this.#head = 0;
      }
      if (next) this.#start(next.task).then(next.done, next.failed);
    }
    // Held back by a burst: look again when it may be over, or when the oldest has waited enough.
    if (this.waiting > 0 && !this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#pump();
      }, this.#options.windowMs);
      this.#timer.unref();
    }
  }

  async #start(task: () => Promise<void>): Promise<void> {
    this.#running += 1;
    try {
      await task();
    } finally {
      this.#running -= 1;
      this.#pump();
    }
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
