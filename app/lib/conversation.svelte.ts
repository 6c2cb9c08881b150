/**
 * One SMTP conversation as the app sees it: the bridge's summary plus the session and journey
 * trackers (core's ViewsReplay, which also replays any moment) fed with every wire event in order. Components read `lines`, `state`, `context`
 * and `journey`; they never touch the trackers themselves.
 */
import type { SessionContext, TrackedLine } from '../../core/machines/session-tracker';
import type { SessionStateName } from '../../core/machines/session-machine';
import { ViewsReplay, type ConversationViews, type JourneySnapshot } from '../../core/replay/moment';
import type { ConversationDetail, ConversationSummary, WireEvent } from '../../core/wire';

export type { JourneySnapshot } from '../../core/replay/moment';

/** Shortest time between two redraws of a conversation while its lines stream in. */
const REFRESH_MS = 100;

/** Lines (no TLS record sizes), every event, the session and the journey: what the views draw. */
type SessionSnapshot = ConversationViews;

export class Conversation {
  readonly id: string;
  #summary = $state.raw<ConversationSummary>() as ConversationSummary;
  #replay = new ViewsReplay();
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
    this.#replayAll(lines, []);
    this.#earlier = page.earlier ?? 0;
    this.#firstLine = page.firstLine ?? 0;
  }

  /** Older lines from the bridge go before those we have; the trackers read them all again, in order. */
  prepend(page: ConversationDetail): void {
    this.#replayAll(page.lines, this.#replay.events);
    this.#earlier = page.earlier ?? 0;
    this.#firstLine = page.firstLine ?? 0;
  }

  #replayAll(older: ConversationDetail['lines'], newer: readonly WireEvent[]): void {
    this.#replay = new ViewsReplay();
    for (const line of older) this.#feed({ conversation: this.id, hop: 0, ...line });
    for (const event of newer) this.#feed(event);
    this.#snapshot = this.#takeSnapshot();
  }

  #feed(event: WireEvent): void {
    this.#replay.push(event);
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
    return this.#replay.views();
  }
}
