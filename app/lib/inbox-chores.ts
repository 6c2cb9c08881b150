/**
 * The inbox chores from the page: delete copies, mark them read or unread. Kept out of the Inbox
 * class, which the first screen loads: only the Inbox view needs them. Each returns the problem
 * in words, or null when the bridge did it.
 */
import type { MessageSummary } from '../../core/wire';
import type { Inbox } from './inbox.svelte';

/** A bounce comes with the null reverse-path: say so instead of showing an empty sender. */
export function senderText(m: MessageSummary): string {
  return m.from || (m.envelopeFrom === '' ? 'MAILER-DAEMON <>' : m.envelopeFrom);
}

async function chore(url: string, method: 'DELETE' | 'PUT'): Promise<void> {
  const response = await fetch(url, { method });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: string } | null;
    throw new Error(body?.error ?? `the bridge answered ${response.status}`);
  }
}

/** Mark a copy read or unread; the list shows it at once, the counts follow from the bridge. */
export async function setRead(inbox: Inbox, id: string, read: boolean): Promise<string | null> {
  // A click on a message must not wait for the bridge to lose its bold.
  inbox.patch((messages) => messages.map((m) => (m.id === id ? { ...m, unread: !read } : m)));
  try {
    await chore(`/api/messages/${encodeURIComponent(id)}/read`, read ? 'PUT' : 'DELETE');
    return null;
  } catch (error) {
    await inbox.refresh();
    return `Could not mark the message ${read ? 'read' : 'unread'}: ${(error as Error).message}`;
  }
}

/** Delete copies of the open mailbox: one, the selected, or `null`: every one. */
export async function deleteCopies(inbox: Inbox, ids: string[] | null): Promise<string | null> {
  const address = inbox.address;
  if (address === null || ids?.length === 0) return null;
  const box = `/api/mailboxes/${encodeURIComponent(address)}`;
  try {
    if (ids === null) await chore(box, 'DELETE');
    else if (ids.length === 1) await chore(`/api/messages/${encodeURIComponent(ids[0] ?? '')}`, 'DELETE');
    else await chore(`${box}?ids=${ids.map(encodeURIComponent).join(',')}`, 'DELETE');
    const gone = ids === null ? null : new Set(ids);
    inbox.patch((messages) => (gone === null ? [] : messages.filter((m) => !gone.has(m.id))));
    if (inbox.openId !== null && (gone === null || gone.has(inbox.openId))) inbox.closeMessage();
    return null;
  } catch (error) {
    await inbox.refresh();
    return `Could not delete: ${(error as Error).message}`;
  }
}
