/**
 * Messages the lab server accepted: the raw source exactly as received, and a summary for lists
 * read from the headers alone. The full parse happens in the browser of whoever opens a message:
 * an app pumping mail into the lab must not pay for MIME parsing that nobody looks at. Bounded, newest kept,
 * because a lab left running with a chatty app must not grow without end.
 */
import { randomUUID } from 'node:crypto';
import type { MessageSummary } from '../../core/wire';
import { RECORD_OVERHEAD_BYTES, type BudgetedStore, type DroppedRecord } from './lab-budget';
import { headerReader } from './header-reader';
import { NO_HEADER_SUMMARY } from './message-headers';
import type { AcceptedMessage } from './smtp-server';

/** Messages kept before the oldest are forgotten. */
export const DEFAULT_MAX_MESSAGES = 500;
/** Bytes of message source kept before the oldest are forgotten. */
export const DEFAULT_MAX_MESSAGE_BYTES = 200 * 1024 * 1024;

export interface Envelope {
  conversation: string;
  from: string;
  to: string[];
}

/** What the relay queue needs of an accepted message besides its source and envelope. */
export type Handoff = Pick<AcceptedMessage, 'recipients' | 'dsn' | 'authenticated'>;

/** A message as the store keeps it. */
export interface KeptMessage {
  id: string;
  envelope: Envelope;
  receivedAt: number;
  raw: Buffer;
}

/**
 * Where a lab keeps its messages beyond memory (the lab database); absent: memory only.
 * `added` resolves once the message is committed: the server's 250 goes out only after it.
 */
export interface MessageWriter {
  added(message: KeptMessage, handoff: Handoff | null): Promise<void>;
  forgotten(id: string): void;
}

interface Stored {
  id: string;
  envelope: Envelope;
  receivedAt: number;
  raw: Buffer;
  /** Made on first use: reading the headers costs more than keeping the message. */
  summary: MessageSummary | null;
}

export class MessageStore implements BudgetedStore {
  readonly #max: number;
  readonly #maxBytes: number;
  readonly #onDrop: (ids: string[]) => void;
  readonly #writer: MessageWriter | null;
  #bytes = 0;
  /** Insertion order is arrival order, so the first entry is the oldest. */
  readonly #messages = new Map<string, Stored>();

  /** `onDrop` hears which messages were forgotten to make room, so the lab can say so; `writer` is the lab database, if it keeps one. */
  constructor(maxMessages = DEFAULT_MAX_MESSAGES, maxBytes = DEFAULT_MAX_MESSAGE_BYTES, onDrop: (ids: string[]) => void = () => {}, writer: MessageWriter | null = null) {
    this.#max = maxMessages;
    this.#maxBytes = maxBytes;
    this.#onDrop = onDrop;
    this.#writer = writer;
  }

  /** Bytes of message source kept, with a small allowance per message (its summary, its envelope). */
  get bytes(): number {
    return this.#bytes + this.#messages.size * RECORD_OVERHEAD_BYTES;
  }

  /** The newest is never the lab budget's to drop: the server already said 250 for it. */
  oldestDroppable(): number | null {
    return this.#messages.size > 1 ? (this.#messages.values().next().value?.receivedAt ?? null) : null;
  }

  dropOldest(): DroppedRecord | null {
    if (this.#messages.size <= 1) return null;
    const stored = this.#removeOldest();
    return stored ? { kind: 'message', id: stored.id, bytes: stored.raw.length + RECORD_OVERHEAD_BYTES } : null;
  }

  #removeOldest(): Stored | undefined {
    const [oldest, stored] = this.#messages.entries().next().value ?? [];
    if (oldest === undefined || !stored) return undefined;
    this.#messages.delete(oldest);
    this.#bytes -= stored.raw.length;
    this.#writer?.forgotten(stored.id);
    return stored;
  }

  /** A fresh id, also used in the "queued as" reply so a learner can find the message. */
  static newId(): string {
    // randomUUID draws from a cached pool of entropy; randomBytes made a system call per message.
    return randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase();
  }

  /**
   * Keep a message; one whose headers cannot be read is still kept, with empty fields. With a lab
   * database it is kept once committed there, and a failed commit rejects (the server answers
   * 451); without one it is kept at once. `handoff`: what the relay queue needs, kept until the
   * queue has the message.
   */
  add(id: string, raw: Buffer, envelope: Envelope, handoff: Handoff | null = null): Promise<void> {
    const message: KeptMessage = { id, envelope, receivedAt: Date.now(), raw };
    if (!this.#writer) {
      this.#keep(message);
      return Promise.resolve();
    }
    return this.#writer.added(message, handoff).then(() => this.#keep(message));
  }

  /** Take back a message a lab database kept: nothing is written. */
  restore(message: KeptMessage): void {
    this.#keep(message);
  }

  #keep({ id, envelope, receivedAt, raw }: KeptMessage): void {
    this.#messages.set(id, { id, envelope, receivedAt, raw, summary: null });
    this.#bytes += raw.length;
    const dropped: string[] = [];
    // The newest is always kept, even alone over the byte limit: the server already said 250.
    while (this.#messages.size > 1 && (this.#messages.size > this.#max || this.#bytes > this.#maxBytes)) {
      const stored = this.#removeOldest();
      if (!stored) break;
      dropped.push(stored.id);
    }
    if (dropped.length > 0) this.#onDrop(dropped);
  }

  /**
   * The list entry of a message, its From, To, Subject and Date read from the headers the first
   * time anyone asks (a page listing it, the API): an app pumping thousands of messages into a lab
   * nobody watches pays nothing for them.
   */
  summary(id: string): MessageSummary | undefined {
    const stored = this.#messages.get(id);
    return stored ? summaryOf(stored) : undefined;
  }

  list(): MessageSummary[] {
    return [...this.#messages.values()].map(summaryOf);
  }

  raw(id: string): Buffer | undefined {
    return this.#messages.get(id)?.raw;
  }
}

/** A message whose big header block a worker is still reading is listed with empty fields until then. */
function summaryOf(stored: Stored): MessageSummary {
  if (stored.summary) return stored.summary;
  const headers = headerReader.now(stored.raw);
  const { envelope } = stored;
  const summary: MessageSummary = {
    id: stored.id,
    conversation: envelope.conversation,
    envelopeFrom: envelope.from,
    envelopeTo: [...envelope.to],
    ...(headers ?? NO_HEADER_SUMMARY),
    receivedAt: stored.receivedAt,
    size: stored.raw.length,
    // As a lab server accepted it: not (yet) a copy in any mailbox of the world.
    mailbox: null,
  };
  if (headers) stored.summary = summary;
  return summary;
}
