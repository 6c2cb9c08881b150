/**
 * Every SMTP conversation the lab has seen: who started it, its lines as the tap recorded them,
 * and its session state as the session machine derives it from those lines. Bounded on both
 * axes, because a lab left open for a day must not keep every line of every message.
 */
import type { ConversationDetail, ConversationSummary, Origin, WireEvent } from '../../core/wire';
import type { TapEvent } from '../tap/line-tap';
import { evictFinished, freshId } from './bounded-records';
import type { LabEvents } from './lab-types';

export interface ConversationLimits {
  /** Conversations kept; the oldest finished ones are forgotten first. */
  maxConversations: number;
  /** Lines kept per conversation: the first half and the most recent half (a long DATA is the usual cause). */
  maxLinesPerConversation: number;
}

export const DEFAULT_CONVERSATION_LIMITS: ConversationLimits = {
  maxConversations: 200,
  maxLinesPerConversation: 5_000,
};

type Line = ConversationDetail['lines'][number];

export type Emit = <E extends keyof LabEvents>(event: E, ...args: Parameters<LabEvents[E]>) => void;

export class Conversation {
  readonly id: string;
  readonly origin: Origin;
  readonly peer: string;
  readonly startedAt = Date.now();
  endedAt: number | null = null;
  /** Where the session state comes from: the tap that reads this conversation's lines. */
  #reading: { readonly state: string } | null = null;
  readonly #head: Line[] = [];
  #tail: Line[] = [];
  #skipped = 0;
  readonly #maxLines: number;

  constructor(id: string, origin: Origin, peer: string, maxLines: number) {
    this.id = id;
    this.origin = origin;
    this.peer = peer;
    this.#maxLines = Math.max(2, maxLines);
  }

  get state(): string {
    return this.#reading?.state ?? 'connecting';
  }

  /** The tap reads the lines (session tracker, credential filter); the record takes its state from it. */
  readFrom(reading: { readonly state: string }): void {
    this.#reading = reading;
  }

  /**
   * Keep one event, as the tap recorded it: read by the session tracker, with any credential that
   * is not a lab one already replaced. The tap made the event for this alone, so it is kept as it is.
   */
  add(line: TapEvent): TapEvent {
    const half = Math.floor(this.#maxLines / 2);
    if (this.#head.length < half) {
      this.#head.push(line);
      return line;
    }
    this.#tail.push(line);
    // Trim in batches so a long message does not shift the array on every line.
    if (this.#tail.length > this.#maxLines - half + 256) {
      const drop = this.#tail.length - (this.#maxLines - half);
      this.#tail = this.#tail.slice(drop);
      this.#skipped += drop;
    }
    return line;
  }

  summary(): ConversationSummary {
    return { id: this.id, origin: this.origin, startedAt: this.startedAt, endedAt: this.endedAt, peer: this.peer, state: this.state };
  }

  detail(): ConversationDetail {
    const room = this.#maxLines - this.#head.length;
    const over = Math.max(0, this.#tail.length - room);
    const tail = this.#tail.slice(over);
    const skipped = this.#skipped + over;
    const gap: Line[] = skipped > 0 ? [{ dir: 'info', text: `… ${skipped} lines not kept …`, at: tail[0]?.at ?? 0, tls: tail[0]?.tls ?? false }] : [];
    return { ...this.summary(), lines: [...this.#head, ...gap, ...tail] };
  }
}

export class Conversations {
  readonly #limits: ConversationLimits;
  readonly #emit: Emit;
  /** Insertion order is start order. */
  readonly #all = new Map<string, Conversation>();

  constructor(emit: Emit, limits: Partial<ConversationLimits> = {}) {
    this.#emit = emit;
    this.#limits = { ...DEFAULT_CONVERSATION_LIMITS, ...limits };
  }

  start(origin: Origin, peer: string): Conversation {
    const conversation = new Conversation(freshId('c', this.#all), origin, peer, this.#limits.maxLinesPerConversation);
    this.#all.set(conversation.id, conversation);
    evictFinished(this.#all, this.#limits.maxConversations, (conversation) => conversation.endedAt !== null);
    this.#emit('conversation.started', conversation.summary());
    return conversation;
  }

  /** A tap event becomes a wire event of this conversation. */
  record(conversation: Conversation, event: TapEvent, hop = 0): void {
    const line = conversation.add(event);
    const wire: WireEvent = { conversation: conversation.id, hop, dir: line.dir, text: line.text, at: line.at, tls: line.tls };
    if (line.info !== undefined) wire.info = line.info;
    if (line.cut !== undefined) wire.cut = line.cut;
    if (line.record !== undefined) wire.record = line.record;
    if (line.bareLf !== undefined) wire.bareLf = line.bareLf;
    if (line.redacted !== undefined) wire.redacted = line.redacted;
    if (line.sentAt !== undefined) wire.sentAt = line.sentAt;
    this.#emit('wire', wire);
  }

  end(conversation: Conversation): void {
    if (conversation.endedAt !== null) return;
    conversation.endedAt = Date.now();
    this.#emit('conversation.ended', conversation.id, conversation.endedAt, conversation.state);
  }

  list(): ConversationSummary[] {
    return [...this.#all.values()].map((conversation) => conversation.summary());
  }

  get(id: string): Conversation | undefined {
    return this.#all.get(id);
  }

  /** Open conversations a learner or client started; relay hops are the lab's own doing. */
  openCount(): number {
    let open = 0;
    for (const conversation of this.#all.values()) if (conversation.endedAt === null && conversation.origin !== 'relay') open += 1;
    return open;
  }


}
