/**
 * Any moment of a conversation: every view as it was right after one transcript line. The views
 * are derived from the wire events, so a moment is the events up to that line replayed through the
 * same trackers the live views use (the session tracker reads, the journey tracker follows it);
 * nothing here reads a line itself.
 */
import { JourneyTracker } from '../machines/journey-tracker';
import type { JourneyContext, JourneyStateName, StepTime } from '../machines/journey-model';
import { SessionTracker, type SessionContext, type SessionStateName, type TrackedLine } from '../machines/session-tracker';
import type { WireEvent } from '../wire';

export interface JourneySnapshot {
  state: JourneyStateName;
  context: JourneyContext;
  steps: StepTime[];
}

/** What every view of a conversation is drawn from. */
export interface ConversationViews {
  /** Lines as the transcript shows them: every event except TLS record sizes. */
  lines: TrackedLine[];
  /** Every event, TLS records included (the ladder, the eavesdropper view, exports). */
  events: WireEvent[];
  state: SessionStateName;
  context: SessionContext;
  journey: JourneySnapshot;
}

/** A TLS record's size is what an eavesdropper sees, not a line of the transcript. */
export function isTranscriptLine(event: WireEvent): boolean {
  return event.info !== 'record';
}

/**
 * The trackers every view is drawn from, fed one event at a time: a conversation as it streams in,
 * or a fresh replay of its events up to a moment.
 */
export class ViewsReplay {
  // The stepper runs the session machine's own config without an actor (session-stepper.ts, tested to
  // agree with XState): ~10× faster, which a moment of a long conversation needs.
  readonly #session = new SessionTracker({ engine: 'stepper' });
  readonly #journey = new JourneyTracker();
  readonly #events: WireEvent[] = [];

  /** Every event so far, TLS records included. */
  get events(): readonly WireEvent[] {
    return this.#events;
  }

  push(event: WireEvent): void {
    this.#events.push(event);
    this.#journey.push(event);
    if (isTranscriptLine(event)) this.#session.push(event);
  }

  /** A snapshot of every view, copied: later events do not change it. */
  views(): ConversationViews {
    const session = this.#session;
    const journey = this.#journey;
    return {
      lines: session.lines.slice(),
      events: this.#events.slice(),
      state: session.state,
      context: session.context,
      journey: { state: journey.state, context: journey.context, steps: journey.steps },
    };
  }
}

/** Every view of these events, from fresh trackers: what a conversation shows once it has them all. */
export function replayViews(events: readonly WireEvent[]): ConversationViews {
  const replay = new ViewsReplay();
  for (const event of events) replay.push(event);
  return replay.views();
}

export interface ConversationMoment extends ConversationViews {
  /** The transcript line the moment follows. */
  line: number;
  /** Lines in the whole conversation, for "line N of M". */
  of: number;
}

/**
 * The views right after transcript line `line`: the events up to it (with the TLS records before
 * it) replayed. A line past the end is the last line; null for a conversation with no lines.
 */
export function momentAt(events: readonly WireEvent[], line: number): ConversationMoment | null {
  const of = events.filter(isTranscriptLine).length;
  if (of === 0) return null;
  const chosen = Math.max(0, Math.min(of - 1, Math.floor(line)));
  const replay = new ViewsReplay();
  let seen = -1;
  for (const event of events) {
    replay.push(event);
    if (isTranscriptLine(event) && ++seen === chosen) break;
  }
  return { ...replay.views(), line: chosen, of };
}
