/**
 * One SMTP conversation as the app sees it: the bridge's summary plus a SessionTracker fed with
 * every wire event in order. Components read `lines`, `state` and `context`; they never touch the
 * tracker itself.
 */
import { SessionTracker, type SessionContext, type TrackedLine } from '../../core/machines/session-tracker';
import type { SessionStateName } from '../../core/machines/session-machine';
import type { ConversationDetail, ConversationSummary, WireEvent } from '../../core/wire';

interface SessionSnapshot {
  lines: TrackedLine[];
  state: SessionStateName;
  context: SessionContext;
}

export class Conversation {
  readonly id: string;
  #summary = $state.raw<ConversationSummary>() as ConversationSummary;
  #tracker = new SessionTracker();
  // Replaced, never mutated: one new snapshot per batch of wire events.
  #snapshot = $state.raw<SessionSnapshot>() as SessionSnapshot;
  #refreshScheduled = false;

  constructor(summary: ConversationSummary) {
    this.id = summary.id;
    this.#summary = summary;
    this.#snapshot = this.#takeSnapshot();
  }

  static fromDetail(detail: ConversationDetail): Conversation {
    const { lines, ...summary } = detail;
    const conversation = new Conversation(summary);
    conversation.replaceLines(lines);
    return conversation;
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
    this.#tracker.push(event);
    this.#scheduleRefresh();
  }

  /** Start over from a full list of lines (a `conversation.detail` or a fresh `welcome`). */
  replaceLines(lines: ConversationDetail['lines']): void {
    this.#tracker = new SessionTracker();
    for (const line of lines) this.#tracker.push({ conversation: this.id, hop: 0, ...line });
    this.#snapshot = this.#takeSnapshot();
  }

  // A pipelined burst or a long DATA body arrives as many WebSocket messages; redrawing the
  // transcript once per frame instead of once per line keeps the page responsive.
  #scheduleRefresh(): void {
    if (this.#refreshScheduled) return;
    this.#refreshScheduled = true;
    const refresh = () => {
      this.#refreshScheduled = false;
      this.#snapshot = this.#takeSnapshot();
    };
    if (typeof requestAnimationFrame === 'function' && !document.hidden) requestAnimationFrame(refresh);
    else setTimeout(refresh, 50);
  }

  #takeSnapshot(): SessionSnapshot {
    return { lines: this.#tracker.lines.slice(), state: this.#tracker.state, context: this.#tracker.context };
  }
}
