/**
 * Every mailbox in the world, keyed by address: what the lab hosts delivered, and what was kept
 * for outside domains. Raw source as delivered; the summary is parsed only when someone asks for
 * it. Bounded per mailbox and in mailboxes, because a lab left running must not grow without end.
 */
import { randomUUID } from 'node:crypto';
import { RECORD_OVERHEAD_BYTES, type BudgetedStore, type DroppedRecord } from '../lab/lab-budget';
import { headerReader } from '../lab/header-reader';
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
  /** Delivered only because its sender's DMARC policy says quarantine: it sits in the Junk folder. */
  quarantined?: boolean;
}

/** Where a lab keeps its mailboxes beyond memory (the lab database); absent: memory only. */
export interface MailboxWriter {
  added(message: StoredMessage): void;
  forgotten(id: string): void;
}

interface Mailbox {
  outside: boolean;
  messages: StoredMessage[];
}

export class Mailboxes implements BudgetedStore {
  readonly #limits: typeof DEFAULT_MAILBOX_LIMITS;
  /** Insertion order is creation order; an updated mailbox moves to the end. */
  readonly #boxes = new Map<string, Mailbox>();
  /** Every copy kept, in every mailbox, in the order they arrived: the oldest first. */
  readonly #arrived = new Set<StoredMessage>();
  #bytes = 0;
  readonly #summaries = new WeakMap<StoredMessage, MessageSummary>();
  /** Copies nobody has opened yet: each copy in each mailbox has its own state, as in any mail client. */
  readonly #unread = new Set<StoredMessage>();
  readonly #writer: MailboxWriter | null;

  /** `writer`: the lab database, if the lab keeps one. */
  constructor(limits: Partial<typeof DEFAULT_MAILBOX_LIMITS> = {}, writer: MailboxWriter | null = null) {
    this.#limits = { ...DEFAULT_MAILBOX_LIMITS, ...limits };
    this.#writer = writer;
  }

  static newId(): string {
    // randomUUID draws from a cached pool of entropy; randomBytes made a system call per message.
    return randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase();
  }

  /** `kept: false` for a copy that lives only as long as this run (a lesson's seeded message): no database row. */
  add(message: Omit<StoredMessage, 'id' | 'mailbox'> & { mailbox: string; id?: string }, kept = true): StoredMessage {
    const stored: StoredMessage = { ...message, id: message.id ?? Mailboxes.newId(), mailbox: message.mailbox.toLowerCase() };
    if (kept) this.#writer?.added(stored);
    return this.#place(stored);
  }

  /** Take back a copy a lab database kept: nothing is written. */
  restore(message: StoredMessage): void {
    this.#place(message);
  }

  #place(stored: StoredMessage): StoredMessage {
    const key = stored.mailbox;
    const box = this.#boxes.get(key) ?? { outside: stored.outside, messages: [] };
    this.#boxes.delete(key);
    this.#boxes.set(key, box);
    box.messages.push(stored);
    this.#arrived.add(stored);
    this.#unread.add(stored);
    this.#bytes += stored.raw.length + RECORD_OVERHEAD_BYTES;
    if (box.messages.length > this.#limits.messagesPerMailbox) this.#forget(box.messages.shift());
    while (this.#boxes.size > this.#limits.mailboxes) {
      const oldest = this.#boxes.keys().next().value;
      if (oldest === undefined) break;
      for (const message of this.#boxes.get(oldest)?.messages ?? []) this.#forget(message);
      this.#boxes.delete(oldest);
    }
    return stored;
  }

  /** Bytes of every copy kept, with a small allowance per copy. */
  get bytes(): number {
    return this.#bytes;
  }

  oldestDroppable(): number | null {
    return this.#arrived.values().next().value?.receivedAt ?? null;
  }

  /** The oldest copy in any mailbox goes; a mailbox left empty goes with it. */
  dropOldest(): DroppedRecord | null {
    const oldest: StoredMessage | undefined = this.#arrived.values().next().value;
    if (!oldest) return null;
    const box = this.#boxes.get(oldest.mailbox);
    if (box) {
      box.messages.splice(box.messages.indexOf(oldest), 1);
      if (box.messages.length === 0) this.#boxes.delete(oldest.mailbox);
    }
    this.#forget(oldest);
    return { kind: 'mailbox-copy', id: oldest.id, bytes: oldest.raw.length + RECORD_OVERHEAD_BYTES };
  }

  /**
   * Take one copy out (the learner deleted it, or a lesson's seeded message when the lesson is
   * undone); false if it is gone. The lab database forgets it too. `keepEmpty`: a mailbox the
   * learner emptied stays in the list (the page showing it still names it); one a lesson emptied goes.
   */
  remove(id: string, { keepEmpty = false } = {}): boolean {
    const message = this.find(id);
    const box = message && this.#boxes.get(message.mailbox);
    if (!message || !box) return false;
    box.messages.splice(box.messages.indexOf(message), 1);
    if (box.messages.length === 0 && !keepEmpty) this.#boxes.delete(message.mailbox);
    this.#forget(message);
    return true;
  }

  /** Empty one mailbox (it stays in the list, with nothing in it); the ids of the copies taken out. */
  clear(address: string): string[] {
    const ids = this.messages(address).map((message) => message.id);
    return ids.filter((id) => this.remove(id, { keepEmpty: true }));
  }

  /** Mark one copy read or unread; false if there is no such copy. */
  setRead(id: string, read: boolean): boolean {
    const message = this.find(id);
    if (!message) return false;
    if (read) this.#unread.delete(message);
    else this.#unread.add(message);
    return true;
  }

  isUnread(message: StoredMessage): boolean {
    return this.#unread.has(message);
  }

  /** The newest copies, oldest of them first (the list beside the accepted messages). */
  recent(limit: number): StoredMessage[] {
    const all = [...this.#arrived];
    return all.slice(Math.max(0, all.length - limit));
  }

  #forget(message: StoredMessage | undefined): void {
    if (!message || !this.#arrived.delete(message)) return;
    this.#unread.delete(message);
    this.#bytes -= message.raw.length + RECORD_OVERHEAD_BYTES;
    this.#writer?.forgotten(message.id);
  }

  list(): MailboxSummary[] {
    return [...this.#boxes.entries()].map(([address, box]) => ({
      address,
      outside: box.outside,
      messages: box.messages.length,
      unread: box.messages.reduce((sum, message) => sum + (this.#unread.has(message) ? 1 : 0), 0),
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

  /**
   * Header fields only, read once: a list must not pay for a MIME parse. A fresh copy each time.
   * While a worker reads a big header block the fields are empty (headerReader).
   */
  summary(message: StoredMessage): MessageSummary {
    let summary = this.#summaries.get(message);
    if (!summary) {
      const headers = headerReader.now(message.raw);
      summary = {
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
        mailbox: message.mailbox,
        ...headers,
        ...(message.quarantined ? { quarantined: true } : {}),
      };
      if (headers) this.#summaries.set(message, summary);
    }
    return { ...summary, envelopeTo: [...summary.envelopeTo], to: [...summary.to], unread: this.#unread.has(message) };
  }
}
