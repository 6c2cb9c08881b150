/**
 * Every SMTP conversation the lab has seen: who started it, its lines as the tap recorded them,
 * and its session state as the session machine derives it from those lines. Bounded on both
 * axes, because a lab left open for a day must not keep every line of every message.
 */
import type { ConversationDetail, ConversationSummary, Origin, WireEvent } from '../../core/wire';
import type { TapEvent } from '../tap/line-tap';
import { evictFinished, freshId } from './bounded-records';
import { LINE_OVERHEAD_BYTES, type BudgetedStore, type DroppedRecord } from './lab-budget';
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

/**
 * Lines a live conversation keeps when the lab's budget makes it shed its middle: its first ones
 * (the greeting, EHLO, AUTH, the envelope) and its latest.
 */
const KEEP_FIRST = 32;
const KEEP_LATEST = 16;

function oneLineBytes(line: Line): number {
  return line.text.length + LINE_OVERHEAD_BYTES;
}

/** What lines cost in memory and, near enough, in JSON: their text and a small allowance each. */
export function lineBytes(lines: readonly Line[]): number {
  let bytes = 0;
  for (const line of lines) bytes += oneLineBytes(line);
  return bytes;
}

/** One page of a conversation's lines: the newest before a line number, within a count and a size. */
export interface LinePage {
  limit: number;
  maxBytes: number;
  /** Line number (see `firstLine`) the page ends before; absent: the newest lines. */
  before?: number;
}

export type Emit = <E extends keyof LabEvents>(event: E, ...args: Parameters<LabEvents[E]>) => void;

/** Where a lab keeps its conversations beyond memory (the lab database); absent: memory only. */
export interface ConversationWriter {
  started(conversation: Conversation): void;
  /** `seq`: the line's number in the conversation (see `firstLine`). */
  line(conversation: Conversation, seq: number, line: TapEvent): void;
  ended(conversation: Conversation): void;
  forgotten(id: string): void;
}

/** A conversation as a lab database kept it: its summary and its kept lines with their numbers. */
export interface KeptConversation extends ConversationSummary {
  lines: Array<{ seq: number; line: TapEvent }>;
}

export class Conversation {
  readonly id: string;
  readonly origin: Origin;
  readonly peer: string;
  readonly startedAt: number;
  endedAt: number | null = null;
  /** Where the session state comes from: the tap that reads this conversation's lines. */
  #reading: { readonly state: string } | null = null;
  readonly #head: Line[] = [];
  #tail: Line[] = [];
  #skipped = 0;
  /** Once the head has been full it takes no more lines, even if the budget shortened it. */
  #headClosed = false;
  /** Lines ever added: the number the next line gets. */
  #added = 0;
  #bytes = 0;
  readonly #maxLines: number;

  constructor(id: string, origin: Origin, peer: string, maxLines: number, startedAt = Date.now()) {
    this.id = id;
    this.origin = origin;
    this.peer = peer;
    this.#maxLines = Math.max(2, maxLines);
    this.startedAt = startedAt;
  }

  get state(): string {
    return this.#reading?.state ?? 'connecting';
  }

  /** The tap reads the lines (session tracker, credential filter); the record takes its state from it. */
  readFrom(reading: { readonly state: string }): void {
    this.#reading = reading;
  }

  /** Lines ever added: the number the next line gets. */
  get lineCount(): number {
    return this.#added;
  }

  /**
   * Line numbers kept: the first lines below `headEnd` and the recent ones from `tailStart` on.
   * What a lab database may forget of this conversation is the numbers between them.
   */
  keptNumbers(): { headEnd: number; tailStart: number } {
    const room = this.#maxLines - this.#head.length;
    return { headEnd: this.#head.length, tailStart: this.#added - Math.min(this.#tail.length, room) };
  }

  /** Put back a line a lab database kept under its number; numbers skipped become the gap. */
  restoreLine(seq: number, line: TapEvent): void {
    if (seq > this.#added) {
      this.#skipped += seq - this.#added;
      this.#added = seq;
      this.#headClosed = true;
    }
    this.add(line);
  }

  /** Bytes of the lines kept (text and a small allowance per line). */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Keep one event, as the tap recorded it: read by the session tracker, with any credential that
   * is not a lab one already replaced. The tap made the event for this alone, so it is kept as it is.
   */
  add(line: TapEvent): TapEvent {
    this.#added += 1;
    this.#bytes += oneLineBytes(line);
    const half = Math.floor(this.#maxLines / 2);
    if (!this.#headClosed && this.#head.length < half) {
      this.#head.push(line);
      this.#headClosed = this.#head.length >= half;
      return line;
    }
    this.#headClosed = true;
    this.#tail.push(line);
    // Trim in batches so a long message does not shift the array on every line.
    if (this.#tail.length > this.#maxLines - half + 256) this.#dropTail(this.#tail.length - (this.#maxLines - half));
    return line;
  }

  /**
   * The lab is over its budget and this live conversation is its oldest record: forget the older
   * half of its recent lines, then the end of its first ones, keeping the first and last lines as
   * a long DATA is trimmed anyway. Returns the bytes freed, 0 when too few lines are left.
   */
  shed(): number {
    if (this.#tail.length > KEEP_LATEST) return this.#dropTail(Math.ceil((this.#tail.length - KEEP_LATEST) / 2));
    if (this.#head.length <= KEEP_FIRST) return 0;
    const dropped = this.#head.splice(KEEP_FIRST);
    this.#headClosed = true;
    this.#skipped += dropped.length;
    const freed = lineBytes(dropped);
    this.#bytes -= freed;
    return freed;
  }

  get canShed(): boolean {
    return this.#tail.length > KEEP_LATEST || this.#head.length > KEEP_FIRST;
  }

  #dropTail(count: number): number {
    const freed = lineBytes(this.#tail.slice(0, count));
    this.#tail = this.#tail.slice(count);
    this.#skipped += count;
    this.#bytes -= freed;
    return freed;
  }

  summary(): ConversationSummary {
    return { id: this.id, origin: this.origin, startedAt: this.startedAt, endedAt: this.endedAt, peer: this.peer, state: this.state };
  }

  /** Every line kept (the gap marker stands for those that were not). */
  detail(): ConversationDetail {
    return { ...this.summary(), lines: this.#numbered().lines };
  }

  /**
   * The newest lines before `before`, at most `limit` of them and `maxBytes` of text (at least
   * one line), with the number of the first (to ask for the page before it) and how many kept
   * lines come earlier. What a page or an API caller gets: never the whole of a long transcript.
   */
  page({ before = Number.POSITIVE_INFINITY, limit, maxBytes }: LinePage): ConversationDetail {
    const { lines, numbers } = this.#numbered();
    let end = numbers.length;
    while (end > 0 && (numbers[end - 1] ?? 0) >= before) end--;
    let start = end;
    let bytes = 0;
    while (start > 0 && end - start < limit) {
      const line = lines[start - 1] as Line;
      bytes += oneLineBytes(line);
      if (bytes > maxBytes && start < end) break;
      start--;
    }
    return { ...this.summary(), lines: lines.slice(start, end), firstLine: numbers[start] ?? this.#added, earlier: start };
  }

  /**
   * Kept lines in order, each with its number in the conversation (the count of lines before it).
   * The gap marker takes the number just before the first line after the gap, which was not kept.
   */
  #numbered(): { lines: Line[]; numbers: number[] } {
    const room = this.#maxLines - this.#head.length;
    const over = Math.max(0, this.#tail.length - room);
    const tail = this.#tail.slice(over);
    const skipped = this.#skipped + over;
    const firstTail = this.#added - tail.length;
    const gap: Line[] = skipped > 0 ? [{ dir: 'info', text: `… ${skipped} lines not kept …`, at: tail[0]?.at ?? 0, tls: tail[0]?.tls ?? false }] : [];
    const numbers = this.#head.map((_, i) => i);
    if (gap.length) numbers.push(firstTail - 1);
    for (let i = 0; i < tail.length; i++) numbers.push(firstTail + i);
    return { lines: [...this.#head, ...gap, ...tail], numbers };
  }
}

export class Conversations implements BudgetedStore {
  readonly #limits: ConversationLimits;
  readonly #emit: Emit;
  readonly #onGrow: () => void;
  readonly #writer: ConversationWriter | null;
  /** Insertion order is start order. */
  readonly #all = new Map<string, Conversation>();
  #bytes = 0;

  /** `onGrow`: a line was kept (the lab's budget checks itself); `writer`: the lab database, if it keeps one. */
  constructor(emit: Emit, limits: Partial<ConversationLimits> = {}, onGrow: () => void = () => {}, writer: ConversationWriter | null = null) {
    this.#emit = emit;
    this.#limits = { ...DEFAULT_CONVERSATION_LIMITS, ...limits };
    this.#onGrow = onGrow;
    this.#writer = writer;
  }

  /**
   * Take back a conversation a lab database kept, as it was: no page is told, nothing is written.
   * One still open when the lab stopped ended then: its connection is gone.
   */
  restore(kept: KeptConversation): void {
    const conversation = new Conversation(kept.id, kept.origin, kept.peer, this.#limits.maxLinesPerConversation, kept.startedAt);
    conversation.readFrom({ state: kept.state });
    for (const { seq, line } of kept.lines) conversation.restoreLine(seq, line);
    conversation.endedAt = kept.endedAt ?? Math.round(kept.startedAt + (kept.lines.at(-1)?.line.at ?? 0));
    this.#all.set(conversation.id, conversation);
    this.#bytes += conversation.bytes;
    if (kept.endedAt === null) this.#writer?.ended(conversation);
  }

  /** Bytes of every line kept, in every conversation. */
  get bytes(): number {
    return this.#bytes;
  }

  oldestDroppable(): number | null {
    return this.#oldest()?.startedAt ?? null;
  }

  /** The oldest finished conversation goes; with none, the oldest live one sheds half its middle. */
  dropOldest(): DroppedRecord | null {
    const oldest = this.#oldest();
    if (!oldest) return null;
    if (oldest.endedAt !== null) {
      this.#all.delete(oldest.id);
      this.#bytes -= oldest.bytes;
      this.#writer?.forgotten(oldest.id);
      return { kind: 'conversation', id: oldest.id, bytes: oldest.bytes };
    }
    const freed = oldest.shed();
    this.#bytes -= freed;
    return { kind: 'lines', id: oldest.id, bytes: freed };
  }

  #oldest(): Conversation | undefined {
    let live: Conversation | undefined;
    for (const conversation of this.#all.values()) {
      if (conversation.endedAt !== null) return conversation;
      if (!live && conversation.canShed) live = conversation;
    }
    return live;
  }

  start(origin: Origin, peer: string): Conversation {
    const conversation = new Conversation(freshId('c', this.#all), origin, peer, this.#limits.maxLinesPerConversation);
    this.#all.set(conversation.id, conversation);
    this.#writer?.started(conversation);
    evictFinished(this.#all, this.#limits.maxConversations, (conversation) => conversation.endedAt !== null, (gone) => {
      this.#bytes -= gone.bytes;
      this.#writer?.forgotten(gone.id);
    });
    this.#emit('conversation.started', conversation.summary());
    return conversation;
  }

  /** A tap event becomes a wire event of this conversation. */
  record(conversation: Conversation, event: TapEvent, hop = 0): void {
    const before = conversation.bytes;
    const seq = conversation.lineCount;
    const line = conversation.add(event);
    // A conversation the budget already forgot still shows its last lines live, but is no longer kept.
    if (this.#all.get(conversation.id) === conversation) {
      this.#bytes += conversation.bytes - before;
      this.#writer?.line(conversation, seq, line);
    }
    const wire: WireEvent = { conversation: conversation.id, hop, dir: line.dir, text: line.text, at: line.at, tls: line.tls };
    if (line.info !== undefined) wire.info = line.info;
    if (line.cut !== undefined) wire.cut = line.cut;
    if (line.record !== undefined) wire.record = line.record;
    if (line.bareLf !== undefined) wire.bareLf = line.bareLf;
    if (line.redacted !== undefined) wire.redacted = line.redacted;
    if (line.sentAt !== undefined) wire.sentAt = line.sentAt;
    this.#emit('wire', wire);
    this.#onGrow();
  }

  end(conversation: Conversation): void {
    if (conversation.endedAt !== null) return;
    conversation.endedAt = Date.now();
    if (this.#all.get(conversation.id) === conversation) this.#writer?.ended(conversation);
    this.#emit('conversation.ended', conversation.id, conversation.endedAt, conversation.state);
  }

  list(): ConversationSummary[] {
    return [...this.#all.values()].map((conversation) => conversation.summary());
  }

  /** Conversations oldest first, to page through without copying every summary. */
  all(): IterableIterator<Conversation> {
    return this.#all.values();
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
