/**
 * The selected conversation's ladder, kept laid out while its lines arrive, whether the Ladder tab
 * is open or not. Laying out 10,000 lines at once takes about half a second, a froze tab; each
 * new line costs a few hundredths of a millisecond. So the ladder follows the conversation as it
 * grows, in slices of at most `SLICE_MS` between frames (a whole conversation chosen at once never
 * makes a long task either), and opening the Ladder only draws the rows in view.
 */
import { untrack } from 'svelte';
import { LadderBuilder, type Ladder } from '../../core/ladder/ladder-layout';
import type { TrackedLine } from '../../core/machines/session-tracker';
import type { WireEvent } from '../../core/wire';
import type { Conversation } from './conversation.svelte';

/** Most main-thread time one slice of layout takes before it lets the page draw and answer. */
export const SLICE_MS = 8;
/** Lines laid out between two looks at the clock. */
const LINES_PER_STEP = 25;

class LadderKeeper {
  #conversation: Conversation | null = null;
  #stop: (() => void) | null = null;
  #builder = new LadderBuilder();
  #events: readonly WireEvent[] = [];
  #lines: readonly TrackedLine[] = [];
  /** Events laid out so far. */
  #done = 0;
  #scheduled = false;
  #ladder = $state.raw<{ id: string; ladder: Ladder } | null>(null);

  /** Keeps `conversation`'s ladder from now on (and stops keeping the one before). */
  follow(conversation: Conversation): void {
    if (this.#conversation === conversation) return;
    this.#stop?.();
    this.#conversation = conversation;
    this.#restart([], []);
    this.#stop = $effect.root(() => {
      $effect(() => {
        const events = conversation.events;
        const lines = conversation.lines;
        untrack(() => this.#arrived(events, lines));
      });
    });
  }

  /**
   * The ladder of the conversation with this id as far as it is laid out (all of it but for the
   * last moments of a batch of lines), or null while another one is kept.
   */
  ladder(id: string): Ladder | null {
    const kept = this.#ladder;
    return kept && kept.id === id ? kept.ladder : null;
  }

  #restart(events: readonly WireEvent[], lines: readonly TrackedLine[]): void {
    this.#builder = new LadderBuilder();
    this.#done = 0;
    this.#events = events;
    this.#lines = lines;
  }

  #arrived(events: readonly WireEvent[], lines: readonly TrackedLine[]): void {
    // New lines after the ones laid out go on; anything else (earlier lines loaded) starts over.
    const done = this.#done;
    const continues = events.length >= done && (done === 0 || (events[0] === this.#events[0] && events[done - 1] === this.#events[done - 1]));
    if (!continues) this.#restart(events, lines);
    this.#events = events;
    this.#lines = lines;
    // A conversation just chosen gets its first slice at once: a short one is then drawn whole.
    if (this.#done === 0) this.#slice();
    else this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#done >= this.#events.length) return;
    this.#scheduled = true;
    setTimeout(() => {
      this.#scheduled = false;
      this.#slice();
    }, 0);
  }

  #slice(): void {
    const conversation = this.#conversation;
    if (!conversation) return;
    const events = this.#events;
    const started = performance.now();
    let ladder: Ladder | null = null;
    do {
      this.#done = Math.min(events.length, this.#done + LINES_PER_STEP);
      // The same events as before and then some: the builder lays out only the new ones.
      ladder = this.#builder.update(events.slice(0, this.#done), this.#lines);
    } while (this.#done < events.length && performance.now() - started < SLICE_MS);
    this.#ladder = { id: conversation.id, ladder };
    this.#schedule();
  }
}

export const ladderKeeper = new LadderKeeper();

/** `ladder` with its lifelines under these names (the builder lays out without them). */
export function named(ladder: Ladder, client: string, server: string): Ladder {
  const { lifelines } = ladder;
  if (lifelines.client.label === client && lifelines.server.label === server) return ladder;
  return { ...ladder, lifelines: { client: { ...lifelines.client, label: client }, server: { ...lifelines.server, label: server } } };
}
