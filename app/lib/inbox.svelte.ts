/**
 * What the inbox shows: the chosen mailbox, its messages (fetched from the bridge, refetched when
 * a copy lands in it), and the chosen message's source read into a MIME tree. The bridge keeps
 * the mail; this keeps only what is on screen.
 */
import type { MailboxSummary } from '../../core/world/world-events';
import type { MessageSummary } from '../../core/wire';
import { parseMime, type MimePart } from '../../core/mail/mime';
import { decodeText } from './decode-text';

export interface OpenMessage {
  id: string;
  source: string;
  mime: MimePart;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`the bridge answered ${response.status}`);
  return (await response.json()) as T;
}

export function rawUrl(id: string, download = false): string {
  return `/api/messages/${encodeURIComponent(id)}/raw${download ? '?download=1' : ''}`;
}

export class Inbox {
  #address = $state<string | null>(null);
  #messages = $state.raw<MessageSummary[]>([]);
  #open = $state.raw<OpenMessage | null>(null);
  #openId = $state<string | null>(null);
  #problem = $state<string | null>(null);
  // Answers can overtake each other; only the latest request may write.
  #listRequest = 0;
  #messageRequest = 0;

  get address(): string | null {
    return this.#address;
  }
  /** Newest first. */
  get messages(): MessageSummary[] {
    return this.#messages;
  }
  get openId(): string | null {
    return this.#openId;
  }
  get open(): OpenMessage | null {
    return this.#open;
  }
  get problem(): string | null {
    return this.#problem;
  }

  async selectMailbox(address: string): Promise<void> {
    if (address !== this.#address) {
      this.#address = address;
      this.#messages = [];
      this.closeMessage();
    }
    await this.refresh();
  }

  /** Fetch the chosen mailbox's list again (a copy arrived, or the learner asked). */
  async refresh(): Promise<void> {
    const address = this.#address;
    if (address === null) return;
    const request = ++this.#listRequest;
    try {
      const list = await getJson<MessageSummary[]>(`/api/mailboxes/${encodeURIComponent(address)}`);
      if (request !== this.#listRequest) return;
      this.#messages = [...list].sort((a, b) => b.receivedAt - a.receivedAt);
      this.#problem = null;
    } catch (error) {
      if (request === this.#listRequest) this.#problem = `Could not load ${address}: ${(error as Error).message}`;
    }
  }

  async openMessage(id: string): Promise<void> {
    this.#openId = id;
    this.#open = null;
    const request = ++this.#messageRequest;
    try {
      const response = await fetch(rawUrl(id));
      if (!response.ok) throw new Error(`the bridge answered ${response.status}`);
      const source = await response.text();
      if (request !== this.#messageRequest) return;
      this.#open = { id, source, mime: parseMime(source, decodeText) };
      this.#problem = null;
    } catch (error) {
      if (request === this.#messageRequest) this.#problem = `Could not load the message: ${(error as Error).message}`;
    }
  }

  closeMessage(): void {
    this.#messageRequest++;
    this.#openId = null;
    this.#open = null;
  }
}

/** `GET /api/mailboxes`, for the Refresh button. */
export function fetchMailboxes(): Promise<MailboxSummary[]> {
  return getJson<MailboxSummary[]>('/api/mailboxes');
}
