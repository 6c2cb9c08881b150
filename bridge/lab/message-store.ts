/**
 * Messages the lab server accepted: the raw source exactly as received, and a summary for lists
 * read from the headers alone, when first asked for. The full parse waits until someone opens a
 * message: an app pumping mail into the lab must not pay for parsing that nobody looks at. Bounded, newest kept,
 * because a lab left running with a chatty app must not grow without end.
 */
import { randomUUID } from 'node:crypto';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { MessageSummary } from '../../core/wire';
import { headerSummary, type HeaderSummary } from './message-headers';

/** Messages kept before the oldest are forgotten. */
export const DEFAULT_MAX_MESSAGES = 500;

export interface Envelope {
  conversation: string;
  from: string;
  to: string[];
}

const NO_HEADERS: HeaderSummary = { from: '', to: [], subject: '', date: null };

/**
 * A message and its summary. The header fields are read from the raw source on first use and
 * then kept: under load most messages are never listed or shown, and then never read at all.
 * toJSON makes it serialise like a plain summary, for the API and the WebSocket.
 */
class StoredMessage implements MessageSummary {
  readonly id: string;
  readonly conversation: string;
  readonly envelopeFrom: string;
  readonly envelopeTo: string[];
  readonly receivedAt = Date.now();
  readonly size: number;
  readonly raw: Buffer;
  #headers: HeaderSummary | null = null;

  constructor(id: string, raw: Buffer, envelope: Envelope) {
    this.id = id;
    this.conversation = envelope.conversation;
    this.envelopeFrom = envelope.from;
    this.envelopeTo = [...envelope.to];
    this.size = raw.length;
    this.raw = raw;
  }

  get from(): string {
    return this.#read().from;
  }

  get to(): string[] {
    return this.#read().to;
  }

  get subject(): string {
    return this.#read().subject;
  }

  get date(): string | null {
    return this.#read().date;
  }

  toJSON(): MessageSummary {
    const { id, conversation, envelopeFrom, envelopeTo, from, to, subject, date, receivedAt, size } = this;
    return { id, conversation, envelopeFrom, envelopeTo, from, to, subject, date, receivedAt, size };
  }

  #read(): HeaderSummary {
    if (!this.#headers) {
      try {
        this.#headers = headerSummary(this.raw);
      } catch {
        // Learners type broken messages on purpose; the raw source is still worth keeping.
        this.#headers = NO_HEADERS;
      }
    }
    return this.#headers;
  }
}

export class MessageStore {
  readonly #max: number;
  /** Insertion order is arrival order, so the first entry is the oldest. */
  readonly #messages = new Map<string, StoredMessage>();

  constructor(maxMessages = DEFAULT_MAX_MESSAGES) {
    this.#max = maxMessages;
  }

  /** A fresh id, also used in the "queued as" reply so a learner can find the message. */
  static newId(): string {
    // randomUUID draws from a cached pool of entropy; randomBytes made a system call per message.
    return randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase();
  }

  /** Keep a message; its header fields are read when first asked for (a list, a page, an event). */
  add(id: string, raw: Buffer, envelope: Envelope): MessageSummary {
    const summary = new StoredMessage(id, raw, envelope);
    this.#messages.set(id, summary);
    while (this.#messages.size > this.#max) {
      const oldest = this.#messages.keys().next().value;
      if (oldest === undefined) break;
      this.#messages.delete(oldest);
    }
    return summary;
  }

  list(): MessageSummary[] {
    return [...this.#messages.values()];
  }

  raw(id: string): Buffer | undefined {
    return this.#messages.get(id)?.raw;
  }

  /** The full parse (body, attachments) for someone opening the message; not kept, as it is seldom asked twice. */
  async parsed(id: string): Promise<ParsedMail | undefined> {
    const raw = this.raw(id);
    return raw ? simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true }) : undefined;
  }
}
