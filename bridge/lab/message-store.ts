/**
 * Messages the lab server accepted: the raw source exactly as received, and a summary parsed from
 * it for lists. Bounded, newest kept, because a lab left running with a chatty app must not grow
 * without end.
 */
import { randomBytes } from 'node:crypto';
import { simpleParser, type AddressObject, type EmailAddress } from 'mailparser';
import type { MessageSummary } from '../../core/wire';

/** Messages kept before the oldest are forgotten. */
export const DEFAULT_MAX_MESSAGES = 500;

export interface Envelope {
  conversation: string;
  from: string;
  to: string[];
}

interface Stored {
  summary: MessageSummary;
  raw: Buffer;
}

export class MessageStore {
  readonly #max: number;
  /** Insertion order is arrival order, so the first entry is the oldest. */
  readonly #messages = new Map<string, Stored>();

  constructor(maxMessages = DEFAULT_MAX_MESSAGES) {
    this.#max = maxMessages;
  }

  /** A fresh id, also used in the "queued as" reply so a learner can find the message. */
  static newId(): string {
    return randomBytes(6).toString('hex').toUpperCase();
  }

  /** Parse and keep a message; a message mailparser cannot read is still kept with empty headers. */
  async add(id: string, raw: Buffer, envelope: Envelope): Promise<MessageSummary> {
    const summary: MessageSummary = {
      id,
      conversation: envelope.conversation,
      envelopeFrom: envelope.from,
      envelopeTo: [...envelope.to],
      from: '',
      to: [],
      subject: '',
      date: null,
      receivedAt: Date.now(),
      size: raw.length,
    };
    try {
      const parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
      summary.from = addressTexts(parsed.from).join(', ');
      summary.to = addressTexts(parsed.to);
      summary.subject = parsed.subject ?? '';
      summary.date = parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : null;
    } catch {
      // Learners type broken messages on purpose; the raw source is still worth keeping.
    }
    this.#messages.set(id, { summary, raw });
    while (this.#messages.size > this.#max) {
      const oldest = this.#messages.keys().next().value;
      if (oldest === undefined) break;
      this.#messages.delete(oldest);
    }
    return summary;
  }

  list(): MessageSummary[] {
    return [...this.#messages.values()].map((stored) => stored.summary);
  }

  raw(id: string): Buffer | undefined {
    return this.#messages.get(id)?.raw;
  }
}

function addressTexts(header: AddressObject | AddressObject[] | undefined): string[] {
  if (!header) return [];
  const objects = Array.isArray(header) ? header : [header];
  return objects.flatMap((object) => object.value.flatMap(addressText));
}

function addressText(entry: EmailAddress): string[] {
  if (entry.group) return entry.group.flatMap(addressText);
  if (!entry.address) return entry.name ? [entry.name] : [];
  return [entry.name ? `${entry.name} <${entry.address}>` : entry.address];
}
