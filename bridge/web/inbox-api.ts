/**
 * The inbox chores over HTTP: DELETE and PUT, which a page of another origin cannot send without
 * a CORS preflight the lab never grants, and an Origin check besides.
 *
 *   DELETE /api/messages/<id>                 delete one mailbox copy
 *   DELETE /api/mailboxes/<address>           delete every copy in the mailbox
 *   DELETE /api/mailboxes/<address>?ids=A,B   delete those copies of the mailbox
 *   PUT    /api/messages/<id>/read            mark read
 *   DELETE /api/messages/<id>/read            mark unread
 */
import type { IncomingMessage } from 'node:http';
import type { Lab } from '../lab/lab-types';
import { checkOrigin } from './upgrade-guard';

/** Most ids one "delete selected" names: a mailbox holds no more (DEFAULT_MAILBOX_LIMITS). */
export const MAX_IDS_PER_DELETE = 200;

export interface ChoreAnswer {
  status: number;
  body: unknown;
}

const ID = /^[\w.-]{1,64}$/;

/** The answer to a chore, or null when the method and path name none (the caller answers 405). */
export function inboxChore(lab: Lab, req: IncomingMessage, pathname: string, params: URLSearchParams): ChoreAnswer | null {
  const method = req.method;
  if (method !== 'DELETE' && method !== 'PUT') return null;
  const origin = checkOrigin(req);
  if (!origin.ok) return { status: 403, body: { error: origin.reason } };

  const read = /^\/api\/messages\/([\w.-]{1,64})\/read$/.exec(pathname);
  if (read) {
    const found = lab.inbox.setRead(read[1] ?? '', method === 'PUT');
    return found ? { status: 200, body: { id: read[1], unread: method === 'DELETE' } } : { status: 404, body: { error: 'mailbox copy not found' } };
  }
  if (method !== 'DELETE') return null;

  const message = /^\/api\/messages\/([\w.-]{1,64})$/.exec(pathname);
  if (message) {
    const gone = lab.inbox.remove([message[1] ?? '']);
    return gone.length ? { status: 200, body: { deleted: gone } } : { status: 404, body: { error: 'mailbox copy not found' } };
  }

  const mailbox = /^\/api\/mailboxes\/([^/]{1,300})$/.exec(pathname);
  if (mailbox) {
    let address: string;
    try {
      address = decodeURIComponent(mailbox[1] ?? '').toLowerCase();
    } catch {
      return { status: 404, body: { error: 'mailbox not found' } };
    }
    if (!lab.listMailboxes().some((box) => box.address === address)) return { status: 404, body: { error: 'mailbox not found' } };
    const idsText = params.get('ids');
    if (idsText === null) return { status: 200, body: { deleted: lab.inbox.clear(address) } };
    const ids = idsText.split(',').filter((id) => id !== '');
    if (ids.length === 0 || ids.length > MAX_IDS_PER_DELETE || !ids.every((id) => ID.test(id))) {
      return { status: 400, body: { error: `ids must be 1 to ${MAX_IDS_PER_DELETE} message ids separated by commas` } };
    }
    // Only copies of this mailbox: an id from another mailbox in the list is left alone.
    const inBox = new Set(lab.mailbox(address).map((m) => m.id));
    return { status: 200, body: { deleted: lab.inbox.remove(ids.filter((id) => inBox.has(id))) } };
  }
  return null;
}
