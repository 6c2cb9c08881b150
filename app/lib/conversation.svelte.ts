/**
 * One SMTP conversation as the app sees it: the bridge's summary plus a SessionTracker and a
 * JourneyTracker fed with every wire event in order. Components read `lines`, `state`, `context`
 * and `journey`; they never touch the trackers themselves.
 */
import { JourneyTracker } from '../../core/machines/journey-tracker';
import type { JourneyContext, JourneyStateName, StepTime } from '../../core/machines/journey-model';
import { SessionTracker, type SessionContext, type TrackedLine } from '../../core/machines/session-tracker';
import type { SessionStateName } from '../../core/machines/session-machine';
import type { ConversationDetail, ConversationSummary, WireEvent } from '../../core/wire';

/** Shortest time between two redraws of a conversation while its lines stream in. */
const REFRESH_MS = 100;

export interface JourneySnapshot {
  state: JourneyStateName;
  context: JourneyContext;
  steps: StepTime[];
}

interface SessionSnapshot {
  /** Lines as the transcript shows them: every event except TLS record sizes. */
  lines: TrackedLine[];
  /** Every event, TLS records included, for the ladder, the eavesdropper view and exports. */
  events: WireEvent[];
  state: SessionStateName;
  context: SessionContext;
  journey: JourneySnapshot;
}

export class Conversation {
  readonly id: string;
  #summary = $state.raw<ConversationSummary>() as ConversationSummary;
  #tracker = new SessionTracker();
  #journey = new JourneyTracker();
  #events: WireEvent[] = [];
  // Replaced, never mutated: one new snapshot per batch of wire events.
  #snapshot = $state.raw<SessionSnapshot>() as SessionSnapshot;
  #refreshScheduled = false;
  #lastRefresh = 0;
  /** Kept lines on the bridge before the first one here (the welcome brings only the newest). */
  #earlier = $state(0);
  /** The bridge's number of the first line here: what to ask for the lines before. */
  #firstLine = 0;

  constructor(summary: ConversationSummary) {
    this.id = summary.id;
    this.#summary = summary;
    this.#snapshot = this.#takeSnapshot();
  }

  static fromDetail(detail: ConversationDetail): Conversation {
    const { lines, earlier, firstLine, ...summary } = detail;
    const conversation = new Conversation(summary);
    conversation.replaceLines(lines, { earlier, firstLine });
    return conversation;
  }

  get earlier(): number {
    return this.#earlier;
  }
  get firstLine(): number {
    return this.#firstLine;
  }

  get summary(): ConversationSummary {
    return this.#summary;
  }
  get lines(): TrackedLine[] {
    return this.#snapshot.lines;
  }
  get state(): SessionStateName {
    return this.#snapshot.state;
  }
  get context(): SessionContext {
    return this.#snapshot.context;
  }
  get events(): WireEvent[] {
    return this.#snapshot.events;
  }
  get journey(): JourneySnapshot {
    return this.#snapshot.journey;
  }
  /** The bridge has seen the connection end (or the session machine reached `closed`). */
  get ended(): boolean {
    return this.#summary.endedAt !== null || this.#snapshot.state === 'closed';
  }

  updateSummary(summary: ConversationSummary): void {
    this.#summary = summary;
  }

  markEnded(endedAt: number, state: string): void {
    this.#summary = { ...this.#summary, endedAt, state };
  }

  push(event: WireEvent): void {
    this.#feed(event);
    this.#scheduleRefresh();
  }

  /** Start over from the bridge's newest lines (a `conversation.detail` or a fresh `welcome`). */
  replaceLines(lines: ConversationDetail['lines'], page: Pick<ConversationDetail, 'earlier' | 'firstLine'> = {}): void {
    this.#replay(lines, []);
    this.#earlier = page.earlier ?? 0;
    this.#firstLine = page.firstLine ?? 0;
  }

  /** Older lines from the bridge go before those we have; the trackers read them all again, in order. */
  prepend(page: ConversationDetail): void {
    this.#replay(page.lines, this.#events);
    this.#earlier = page.earlier ?? 0;
    this.#firstLine = page.firstLine ?? 0;
  }

  #replay(older: ConversationDetail['lines'], newer: readonly WireEvent[]): void {
    this.#tracker = new SessionTracker();
    this.#journey = new JourneyTracker();
    this.#events = [];
    for (const line of older) this.#feed({ conversation: this.id, hop: 0, ...line });
    for (const event of newer) this.#feed(event);
    this.#snapshot = this.#takeSnapshot();
  }

  #feed(event: WireEvent): void {
    this.#events.push(event);
    this.#journey.push(event);
    // A TLS record's size is what an eavesdropper sees, not a line of the conversation.
    if (event.info !== 'record') this.#tracker.push(event);
  }

  // A pipelined burst or a long DATA body arrives as many WebSocket messages; redrawing the
  // views once per frame instead of once per line keeps the page responsive. While lines keep
  // streaming in, at most every REFRESH_MS: each redraw has a cost of its own (layout), and
  // thousands of lines a second at 60 redraws a second leave the page no time for the learner.
  #scheduleRefresh(): void {
    if (this.#refreshScheduled) return;
    this.#refreshScheduled = true;
    const refresh = () => {
      this.#refreshScheduled = false;
      this.#lastRefresh = performance.now();
      this.#snapshot = this.#takeSnapshot();
    };
    const wait = Math.max(0, this.#lastRefresh + REFRESH_MS - performance.now());
    const onFrame = () => (typeof requestAnimationFrame === 'function' && !document.hidden ? requestAnimationFrame(refresh) : setTimeout(refresh, 50));
    if (wait === 0) onFrame();
    else setTimeout(onFrame, wait);
  }

  #takeSnapshot(): SessionSnapshot {
    return {
      lines: this.#tracker.lines.slice(),
      events: this.#events.slice(),
      state: this.#tracker.state,
      context: this.#tracker.context,
      journey: { state: this.#journey.state, context: this.#journey.context, steps: this.#journey.steps },
    };
  }
}
