/**
 * A conversation's ladder laid out a slice at a time as its lines arrive: `arrived` takes the
 * conversation's events as they are now, `slice` lays out as many of those not yet laid out as
 * fit in a time budget. The same lines plus new ones go on where the last slice stopped;
 * anything else (earlier lines loaded before them) starts over.
 */
import { LadderBuilder, type Ladder, type LadderWork } from '../../core/ladder/ladder-layout';
import type { TrackedLine } from '../../core/machines/session-tracker';
import type { WireEvent } from '../../core/wire';

/** Lines laid out between two looks at the clock. */
const LINES_PER_STEP = 25;

export class LadderFollower {
  #builder = new LadderBuilder();
  #events: readonly WireEvent[] = [];
  #lines: readonly TrackedLine[] = [];
  /** Events laid out so far. */
  #done = 0;

  /** The conversation's events now, and the session tracker's lines for them. */
  arrived(events: readonly WireEvent[], lines: readonly TrackedLine[]): void {
    const done = this.#done;
    const continues = events.length >= done && (done === 0 || (events[0] === this.#events[0] && events[done - 1] === this.#events[done - 1]));
    if (!continues) {
      this.#builder = new LadderBuilder();
      this.#done = 0;
    }
    this.#events = events;
    this.#lines = lines;
  }

  /** Rows and labels the current layout has done (it starts over when the lines are read again). */
  get work(): LadderWork {
    return this.#builder.work;
  }

  /** Events not laid out yet. */
  get behind(): number {
    return this.#events.length - this.#done;
  }

  /** Lays out events for about `budgetMs` (at least one step), and gives the ladder so far. */
  slice(budgetMs: number): Ladder {
    const events = this.#events;
    const started = performance.now();
    let ladder: Ladder;
    do {
      this.#done = Math.min(events.length, this.#done + LINES_PER_STEP);
      // The same events as before and then some: the builder lays out only the new ones.
      ladder = this.#builder.update(events.slice(0, this.#done), this.#lines);
    } while (this.#done < events.length && performance.now() - started < budgetMs);
    return ladder;
  }
}
