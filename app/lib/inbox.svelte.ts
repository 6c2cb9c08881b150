/**
 * What the inbox shows: the chosen mailbox, its messages (fetched from the bridge, refetched when
 * a copy lands in it), and the chosen message read from its raw bytes. The bridge keeps the
 * mail; this keeps only what is on screen.
 */
import type { MailboxSummary } from '../../core/world/world-events';
import type { MessageSummary } from '../../core/wire';
import type { ReadMessage } from './message-reading';

export interface OpenMessage extends ReadMessage {
  id: string;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`the bridge answered ${response.status}`);
  return (await response.json()) as T;
}

/**
 * The message exactly as stored: bytes, so no charset is guessed before the MIME parser reads it.
 * The parser loads with the first message opened; a lab page that never opens one never loads it.
 */
export async function fetchRawMessage(id: string): Promise<ReadMessage> {
  const [response, { readRawMessage }] = await Promise.all([fetch(rawUrl(id)), import('./message-reading')]);
  // An address kept from earlier can name mail the lab no longer has.
  if (response.status === 404) throw new Error('this message no longer exists in this lab (it was cleared, or the lab restarted)');
  if (!response.ok) throw new Error(`the bridge answered ${response.status}`);
  return readRawMessage(await response.arrayBuffer());
}

export function rawUrl(id: string, download = false): string {
  return `/api/messages/${encodeURIComponent(id)}/raw${download ? '?download=1' : ''}`;
}

export class Inbox {
  #address = $state<string | null>(null);
  #messages = $state.raw<MessageSummary[]>([]);
  #open = $state.raw<OpenMessage | null>(null);
  #openId = $state<string | null>(null);
  // Kept apart: a list fetched again must not hide why the open message could not be read.
  #listProblem = $state<string | null>(null);
  #messageProblem = $state<string | null>(null);
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
    return this.#messageProblem ?? this.#listProblem;
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
      this.#listProblem = null;
    } catch (error) {
      if (request === this.#listRequest) this.#listProblem = `Could not load ${address}: ${(error as Error).message}`;
    }
  }

  async openMessage(id: string): Promise<void> {
    this.#openId = id;
    this.#open = null;
    this.#messageProblem = null;
    const request = ++this.#messageRequest;
    try {
      const read = await fetchRawMessage(id);
      if (request !== this.#messageRequest) return;
      this.#open = { id, ...read };
      this.#messageProblem = null;
    } catch (error) {
      if (request === this.#messageRequest) this.#messageProblem = `Could not load the message: ${(error as Error).message}`;
    }
  }

  /** Show a chore done on the bridge (inbox-chores) at once, before the list is fetched again. */
  patch(change: (messages: MessageSummary[]) => MessageSummary[]): void {
    this.#messages = change(this.#messages);
  }

  closeMessage(): void {
    this.#messageRequest++;
    this.#openId = null;
    this.#open = null;
    this.#messageProblem = null;
  }
}

/** `GET /api/mailboxes`, for the Refresh button. */
export function fetchMailboxes(): Promise<MailboxSummary[]> {
  return getJson<MailboxSummary[]>('/api/mailboxes');
}
