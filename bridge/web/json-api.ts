/** The JSON API: read-only views of the lab for scripts, tests and the curious. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Lab } from '../lab/lab-types';
import { SECURITY_HEADERS } from './security-headers';

function send(res: ServerResponse, status: number, body: string | Buffer, contentType: string, extra: Record<string, string> = {}) {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    ...SECURITY_HEADERS,
    ...extra,
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown) {
  send(res, status, JSON.stringify(value, null, 2) + '\n', 'application/json; charset=utf-8');
}

/** A malformed %-escape is a request for a mailbox that does not exist, not a server error. */
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return '';
  }
}

function notFound(res: ServerResponse, what: string) {
  sendJson(res, 404, { error: `${what} not found` });
}

export function sendApiError(res: ServerResponse, status: number, error: string): void {
  sendJson(res, status, { error });
}

/**
 * Handles the request and returns true when the path belongs to the API. `lab` null: no lab is
 * known for the caller (hosted mode), which only /healthz and /api/ca.pem can answer.
 */
export interface ApiContext {
  /** The lab CA certificate, for a caller without a lab. */
  caPem?: string;
  /** What /api/lab says of the lab's id and bridge (hosted mode); null locally. */
  identity?: { id: string; node: string | null };
}

export function handleApi(lab: Lab | null, req: IncomingMessage, res: ServerResponse, context: ApiContext = {}): boolean {
  const caPem = context.caPem ?? lab?.caPem ?? '';
  const { pathname, searchParams } = new URL(req.url ?? '/', 'http://lab');
  if (pathname !== '/healthz' && !pathname.startsWith('/api/')) return false;

  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'Only GET is supported.\n', 'text/plain; charset=utf-8', { Allow: 'GET, HEAD' });
    return true;
  }

  if (pathname === '/healthz') {
    sendJson(res, 200, lab ? { ok: true, smtp: lab.smtpAddress } : { ok: true });
    return true;
  }
  if (pathname === '/api/ca.pem') {
    send(res, 200, caPem, 'application/x-pem-file', {
      'Content-Disposition': 'attachment; filename="smtp-lab-ca.pem"',
    });
    return true;
  }
  if (!lab) {
    sendApiError(res, 401, 'No lab for this caller.');
    return true;
  }
  if (pathname === '/api/lab') {
    sendJson(res, 200, { id: context.identity?.id ?? null, node: context.identity?.node ?? null, ...lab.info, kept: lab.kept() });
    return true;
  }
  if (pathname === '/api/conversations') {
    const details = lab.listConversations().map((c) => lab.getConversation(c.id)).filter((c) => c !== undefined);
    sendJson(res, 200, details);
    return true;
  }
  if (pathname === '/api/messages') {
    sendJson(res, 200, lab.listMessages());
    return true;
  }
  if (pathname === '/api/world') {
    sendJson(res, 200, lab.describeWorld());
    return true;
  }
  if (pathname === '/api/queue') {
    sendJson(res, 200, lab.relayQueue());
    return true;
  }
  if (pathname === '/api/world/events') {
    sendJson(res, 200, lab.worldEvents());
    return true;
  }
  if (pathname === '/api/mailboxes') {
    sendJson(res, 200, lab.listMailboxes());
    return true;
  }

  const conversation = /^\/api\/conversations\/([\w-]{1,64})$/.exec(pathname);
  if (conversation) {
    const detail = lab.getConversation(conversation[1] ?? '');
    if (detail) sendJson(res, 200, detail);
    else notFound(res, 'conversation');
    return true;
  }

  const mailbox = /^\/api\/mailboxes\/([^/]{1,300})$/.exec(pathname);
  if (mailbox) {
    const address = safeDecode(mailbox[1] ?? '').toLowerCase();
    // A mailbox the lab has never delivered to is a 404, not an empty list: the address may be mistyped.
    if (lab.listMailboxes().some((box) => box.address === address)) sendJson(res, 200, lab.mailbox(address));
    else notFound(res, 'mailbox');
    return true;
  }

  const raw = /^\/api\/messages\/([\w.-]{1,64})\/raw$/.exec(pathname);
  if (raw) {
    const source = lab.getRawMessage(raw[1] ?? '');
    // ?download=1 saves it as an .eml file; without it the browser shows it.
    const disposition = searchParams.get('download') === '1' ? 'attachment' : 'inline';
    if (source) send(res, 200, source, 'message/rfc822', { 'Content-Disposition': `${disposition}; filename="${raw[1]}.eml"` });
    else notFound(res, 'message');
    return true;
  }

  notFound(res, 'API path');
  return true;
}
