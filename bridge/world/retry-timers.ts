/**
 * The relay queue's retries waiting on the lab clock: one clock task per deferred entry, to cancel
 * when the entry is taken out or the queue stops. A task that fires starts the attempt and stays
 * pending until that attempt is over, so a fast-forward waits for the retries it set off.
 */
import type { LabClock } from './lab-clock';

export class RetryTimers<Entry> {
  readonly #clock: LabClock;
  /** Every clock task still waiting, to cancel on stop. */
  readonly #cancels = new Set<() => void>();
  /** The clock task of each entry waiting for a retry, to cancel if it is taken out. */
  readonly #byEntry = new Map<Entry, () => void>();
  /** Retries whose clock task waits for their attempt to end. */
  readonly #running = new Map<Entry, () => void>();
  #stopped = false;

  constructor(clock: LabClock) {
    this.#clock = clock;
  }

  /** `start(entry)` once `retryIn` has passed on the lab clock; the clock task ends with attemptOver(entry). */
  later(entry: Entry, retryIn: number, start: (entry: Entry) => void): void {
    const cancel = this.#clock.schedule(retryIn, () => {
      this.#cancels.delete(cancel);
      this.#byEntry.delete(entry);
      if (this.#stopped) return Promise.resolve();
      const over = new Promise<void>((resolve) => this.#running.set(entry, resolve));
      start(entry);
      return over;
    });
    this.#cancels.add(cancel);
    this.#byEntry.set(entry, cancel);
  }

  /** An attempt of `entry` is over: the retry's clock task that started it, if one did, ends. */
  attemptOver(entry: Entry): void {
    const done = this.#running.get(entry);
    this.#running.delete(entry);
    done?.();
  }

  /** The entry is taken out: its retry will not run. */
  cancel(entry: Entry): void {
    const cancel = this.#byEntry.get(entry);
    cancel?.();
    if (cancel) this.#cancels.delete(cancel);
    this.#byEntry.delete(entry);
  }

  /** No retry runs from now on, and clock tasks waiting for their attempt end now. */
  stop(): void {
    this.#stopped = true;
    for (const done of this.#running.values()) done();
    this.#running.clear();
    for (const cancel of this.#cancels) cancel();
    this.#cancels.clear();
    this.#byEntry.clear();
  }
}
