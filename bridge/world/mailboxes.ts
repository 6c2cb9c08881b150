/**
 * Every mailbox in the world, keyed by address: what the lab hosts delivered, and what was kept
 * for outside domains. Raw source as delivered; the summary is parsed only when someone asks for
 * it. Bounded per mailbox and in mailboxes, because a lab left running must not grow without end.
 */
import { randomBytes } from 'node:crypto';
import { simpleParser, type AddressObject } from 'mailparser';
import type { MessageSummary } from '../../core/wire';
import type { MailboxSummary } from '../../core/world/world-events';

export const DEFAULT_MAILBOX_LIMITS = { messagesPerMailbox: 200, mailboxes: 500 };

export interface StoredMessage {
  id: string;
  mailbox: string;
  /** The host that delivered it into this mailbox. */
  host: string;
  /** The recorded conversation that carried it here, or null (outside mail is kept without one). */
  conversation: string | null;
  envelopeFrom: string;
  envelopeTo: string[];
  receivedAt: number;
  outside: boolean;
  raw: Buffer;
}

interface Mailbox {
  outside: boolean;
  messages: StoredMessage[];
}

export class Mailboxes {
  readonly #limits: typeof DEFAULT_MAILBOX_LIMITS;
  /** Insertion order is creation order; an updated mailbox moves to the end. */
  readonly #boxes = new Map<string, Mailbox>();
  readonly #summaries = new WeakMap<StoredMessage, Promise<MessageSummary>>();

  constructor(limits: Partial<typeof DEFAULT_MAILBOX_LIMITS> = {}) {
    this.#limits = { ...DEFAULT_MAILBOX_LIMITS, ...limits };
  }

  static newId(): string {
    return randomBytes(6).toString('hex').toUpperCase();
  }

  add(message: Omit<StoredMessage, 'id' | 'mailbox'> & { mailbox: string; id?: string }): StoredMessage {
    const key = message.mailbox.toLowerCase();
    const stored: StoredMessage = { ...message, id: message.id ?? Mailboxes.newId(), mailbox: key };
    const box = this.#boxes.get(key) ?? { outside: message.outside, messages: [] };
    this.#boxes.delete(key);
    this.#boxes.set(key, box);
    box.messages.push(stored);
    if (box.messages.length > this.#limits.messagesPerMailbox) box.messages.shift();
    while (this.#boxes.size > this.#limits.mailboxes) {
      const oldest = this.#boxes.keys().next().value;
      if (oldest === undefined) break;
      this.#boxes.delete(oldest);
    }
    return stored;
  }

  list(): MailboxSummary[] {
    return [...this.#boxes.entries()].map(([address, box]) => ({
      address,
      outside: box.outside,
      messages: box.messages.length,
      latestAt: box.messages.at(-1)?.receivedAt ?? null,
    }));
  }

  messages(address: string): StoredMessage[] {
    return [...(this.#boxes.get(address.toLowerCase())?.messages ?? [])];
  }

  find(id: string): StoredMessage | undefined {
    for (const box of this.#boxes.values()) {
      const found = box.messages.find((message) => message.id === id);
      if (found) return found;
    }
    return undefined;
  }

  /** Header summary, parsed once on first request; a message mailparser cannot read keeps empty fields. */
  summary(message: StoredMessage): Promise<MessageSummary> {
    let summary = this.#summaries.get(message);
    if (!summary) {
      summary = summarise(message);
      this.#summaries.set(message, summary);
    }
    return summary;
  }
}

async function summarise(message: StoredMessage): Promise<MessageSummary> {
  const summary: MessageSummary = {
    id: message.id,
    conversation: message.conversation ?? '',
    envelopeFrom: message.envelopeFrom,
    envelopeTo: [...message.envelopeTo],
    from: '',
    to: [],
    subject: '',
    date: null,
    receivedAt: message.receivedAt,
    size: message.raw.length,
  };
  try {
    const parsed = await simpleParser(message.raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
    summary.from = parsed.from?.text ?? '';
    summary.to = addressList(parsed.to);
    summary.subject = parsed.subject ?? '';
    summary.date = parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : null;
  } catch {
    // Broken messages are kept on purpose; the raw source still shows what arrived.
  }
  return summary;
}

function addressList(header: AddressObject | AddressObject[] | undefined): string[] {
  if (!header) return [];
  return (Array.isArray(header) ? header : [header]).flatMap((object) => object.value.map((entry) => entry.address ?? entry.name));
}
