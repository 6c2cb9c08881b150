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

/** A bounce comes with the null reverse-path: say so instead of showing an empty sender. */
export function senderText(m: MessageSummary): string {
  return m.from || (m.envelopeFrom === '' ? 'MAILER-DAEMON <>' : m.envelopeFrom);
}

export function rawUrl(id: string, download = false): string {
  return `/api/messages/${encodeURIComponent(id)}/raw${download ? '?download=1' : ''}`;
}

/** A chore the bridge refused or could not do, said in words. */
async function chore(url: string, method: 'DELETE' | 'PUT'): Promise<void> {
  const response = await fetch(url, { method });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: string } | null;
    throw new Error(body?.error ?? `the bridge answered ${response.status}`);
  }
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
      if (this.#messages.find((m) => m.id === id)?.unread) void this.setRead(id, true);
    } catch (error) {
      if (request === this.#messageRequest) this.#messageProblem = `Could not load the message: ${(error as Error).message}`;
    }
  }

  /** Mark a copy read or unread; the list and the counts follow. */
  async setRead(id: string, read: boolean): Promise<void> {
    // Shown at once: a click on a message must not wait for the bridge to lose its bold.
    this.#messages = this.#messages.map((m) => (m.id === id ? { ...m, unread: !read } : m));
    try {
      await chore(`/api/messages/${encodeURIComponent(id)}/read`, read ? 'PUT' : 'DELETE');
    } catch (error) {
      this.#listProblem = `Could not mark the message ${read ? 'read' : 'unread'}: ${(error as Error).message}`;
      await this.refresh();
    }
  }

  /** Delete these copies of the open mailbox (one, the selected, or `null`: every one). */
  async delete(ids: string[] | null): Promise<void> {
    const address = this.#address;
    if (address === null || ids?.length === 0) return;
    const box = `/api/mailboxes/${encodeURIComponent(address)}`;
    try {
      if (ids === null) await chore(box, 'DELETE');
      else if (ids.length === 1) await chore(`/api/messages/${encodeURIComponent(ids[0] ?? '')}`, 'DELETE');
      else await chore(`${box}?ids=${ids.map(encodeURIComponent).join(',')}`, 'DELETE');
      const gone = ids === null ? null : new Set(ids);
      this.#messages = gone === null ? [] : this.#messages.filter((m) => !gone.has(m.id));
      if (this.#openId !== null && (gone === null || gone.has(this.#openId))) this.closeMessage();
    } catch (error) {
      this.#listProblem = `Could not delete: ${(error as Error).message}`;
      await this.refresh();
    }
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
