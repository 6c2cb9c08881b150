/**
 * The selected conversation's ladder, kept laid out while its lines arrive, whether the Ladder tab
 * is open or not. Laying out 10,000 lines at once takes about half a second, a froze tab; each
 * new line costs a few hundredths of a millisecond. So the ladder follows the conversation as it
 * grows, in slices of at most `SLICE_MS` between frames (a whole conversation chosen at once never
 * makes a long task either), and opening the Ladder only draws the rows in view.
 */
import { untrack } from 'svelte';
import type { Ladder } from '../../core/ladder/ladder-layout';
import type { Conversation } from './conversation.svelte';

/** A live conversation, or a moment of one (its lines up to a chosen line). */
type Followed = Pick<Conversation, 'id' | 'events' | 'lines'>;
import { LadderFollower } from './ladder-follower';

/** Most main-thread time one slice of layout takes before it lets the page draw and answer. */
export const SLICE_MS = 8;

class LadderKeeper {
  #conversation: Followed | null = null;
  #stop: (() => void) | null = null;
  #follower = new LadderFollower();
  #scheduled = false;
  #ladder = $state.raw<{ id: string; ladder: Ladder } | null>(null);

  /** Keeps `conversation`'s ladder from now on (and stops keeping the one before). */
  follow(conversation: Followed): void {
    if (this.#conversation === conversation) return;
    this.#stop?.();
    this.#conversation = conversation;
    const follower = new LadderFollower();
    this.#follower = follower;
    let first = true;
    this.#stop = $effect.root(() => {
      $effect(() => {
        const events = conversation.events;
        const lines = conversation.lines;
        untrack(() => {
          follower.arrived(events, lines);
          // A conversation just chosen gets its first slice at once: a short one is then drawn whole.
          if (first) this.#slice();
          else this.#schedule();
          first = false;
        });
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

  #schedule(): void {
    if (this.#scheduled || this.#follower.behind === 0) return;
    this.#scheduled = true;
    setTimeout(() => {
      this.#scheduled = false;
      this.#slice();
    }, 0);
  }

  #slice(): void {
    const conversation = this.#conversation;
    if (!conversation) return;
    this.#ladder = { id: conversation.id, ladder: this.#follower.slice(SLICE_MS) };
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
