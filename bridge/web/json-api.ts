/** The JSON API: views of the lab for scripts, tests and the curious, and the inbox chores (inbox-api). */
import { handleZoneApi } from './zone-api';
import { handleTamperApi } from './tamper-api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_CONVERSATION_PAGE_BYTES, MAX_LINES_PER_PAGE, MAX_PAGE_BYTES } from '../../core/protocol/pages';
import type { Lab } from '../lab/lab-types';
import { inboxChore } from './inbox-api';
import { parseSearchQuery } from '../../core/search/search-query';
import { searchPage } from '../search/lab-search';
import { newestPage, recentConversations, type ListPage } from './pages';
import { SECURITY_HEADERS } from './security-headers';
import { endInTurns } from './write-in-turns';

/** Most items one page of a list endpoint holds, and how many it holds unless asked (`?limit=`). */
const LIST_LIMITS = {
  conversations: { default: 50, max: 200 },
  messages: { default: 200, max: 1_000 },
  events: { default: 500, max: 500 },
  lines: { default: MAX_LINES_PER_PAGE, max: MAX_LINES_PER_PAGE },
  search: { default: 50, max: 500 },
};

/** `?limit=&before=`, checked: a bad value is the caller's mistake (400), not an empty page. */
function pageQuery(params: URLSearchParams, limits: { default: number; max: number }): { limit: number; before: string | null } | string {
  const limitText = params.get('limit');
  const limit = limitText === null ? limits.default : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > limits.max) return `limit must be a whole number from 1 to ${limits.max}`;
  const before = params.get('before');
  if (before !== null && !/^[\w.-]{1,64}$/.test(before)) return 'before must be an id from a previous page (the Link header gives it)';
  return { limit, before };
}

/** A page of a list: the items as an array (as before paging), and the page before it in a Link header. */
function sendPage<T>(res: ServerResponse, pathname: string, limit: number, page: ListPage<T>, keep = ''): void {
  const link: Record<string, string> = page.before === null ? {} : { Link: `<${pathname}?${keep}limit=${limit}&before=${encodeURIComponent(page.before)}>; rel="next"` };
  send(res, 200, JSON.stringify(page.items, null, 2) + '\n', 'application/json; charset=utf-8', link);
}

function send(res: ServerResponse, status: number, body: string | Buffer, contentType: string, extra: Record<string, string> = {}) {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': String(bytes.length),
    'Cache-Control': 'no-store',
    ...SECURITY_HEADERS,
    ...extra,
  });
  endInTurns(res, bytes);
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

  // The learner's domain takes writes (PUT, POST) of its own.
  if (lab && handleZoneApi(lab, req, pathname, { json: (status, value) => sendJson(res, status, value), text: (status, body, type) => send(res, status, body, type) })) return true;
  if (lab && handleTamperApi(lab, req, pathname, { json: (status, value) => sendJson(res, status, value) })) return true;

  const chore = lab ? inboxChore(lab, req, pathname, searchParams) : null;
  if (chore) {
    sendJson(res, chore.status, chore.body);
    return true;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'Only GET is supported here (the inbox chores take DELETE and PUT).\n', 'text/plain; charset=utf-8', { Allow: 'GET, HEAD' });
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
  const list = LIST_PATHS[pathname];
  if (list) {
    const query = pageQuery(searchParams, LIST_LIMITS[list]);
    if (typeof query === 'string') sendApiError(res, 400, query);
    else sendPage(res, pathname, query.limit, listPage(lab, list, query));
    return true;
  }
  if (pathname === '/api/search') {
    const query = pageQuery(searchParams, LIST_LIMITS.search);
    const parsed = parseSearchQuery(searchParams.get('q') ?? '');
    if (typeof query === 'string') sendApiError(res, 400, query);
    else if (!parsed.ok) sendApiError(res, 400, parsed.error);
    else {
      const keep = `q=${encodeURIComponent(searchParams.get('q') ?? '')}&`;
      lab.search(parsed.query).then(
        (matches) => sendPage(res, pathname, query.limit, searchPage(matches, { ...query, maxBytes: MAX_PAGE_BYTES }), keep),
        (error: unknown) => sendApiError(res, 500, `The search failed: ${(error as Error).message}`),
      );
    }
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
  if (pathname === '/api/mailboxes') {
    sendJson(res, 200, lab.listMailboxes());
    return true;
  }

  // What https://mta-sts.<domain>/.well-known/mta-sts.txt serves in the lab world (RFC 8461 §3.2).
  const stsDomain = /^\/api\/world\/mta-sts\/([\w.-]{1,253})$/.exec(pathname);
  if (stsDomain) {
    const policy = lab.mtaStsPolicy(stsDomain[1] ?? '');
    if (policy) send(res, 200, policy, 'text/plain; charset=utf-8');
    else notFound(res, 'MTA-STS policy');
    return true;
  }

  const conversation = /^\/api\/conversations\/([\w-]{1,64})$/.exec(pathname);
  if (conversation) {
    // A page of lines, the newest first in; `?before=` is a line number, the `firstLine` of the page after.
    const query = pageQuery(searchParams, LIST_LIMITS.lines);
    if (typeof query === 'string') {
      sendApiError(res, 400, query);
      return true;
    }
    const before = query.before === null ? undefined : Number(query.before);
    if (before !== undefined && !Number.isInteger(before)) {
      sendApiError(res, 400, 'before must be a line number (the firstLine of a page)');
      return true;
    }
    const detail = lab.conversationPage(conversation[1] ?? '', { limit: query.limit, maxBytes: MAX_PAGE_BYTES, ...(before === undefined ? {} : { before }) });
    if (detail) sendJson(res, 200, detail);
    else notFound(res, 'conversation');
    return true;
  }

  const mailbox = /^\/api\/mailboxes\/([^/]{1,300})$/.exec(pathname);
  if (mailbox) {
    const address = safeDecode(mailbox[1] ?? '').toLowerCase();
    // A mailbox the lab has never delivered to is a 404, not an empty list: the address may be mistyped.
    const query = pageQuery(searchParams, LIST_LIMITS.messages);
    if (!lab.listMailboxes().some((box) => box.address === address)) notFound(res, 'mailbox');
    else if (typeof query === 'string') sendApiError(res, 400, query);
    else sendPage(res, pathname, query.limit, newestPage(lab.mailbox(address), (m) => m.id, { ...query, maxBytes: MAX_PAGE_BYTES }));
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

type ListName = 'conversations' | 'messages' | 'events';
const LIST_PATHS: Partial<Record<string, ListName>> = {
  '/api/conversations': 'conversations',
  '/api/messages': 'messages',
  '/api/world/events': 'events',
};

function listPage(lab: Lab, list: ListName, query: { limit: number; before: string | null }): ListPage<unknown> {
  if (list === 'conversations') return recentConversations(lab, { ...query, maxBytes: MAX_CONVERSATION_PAGE_BYTES });
  if (list === 'messages') return newestPage(lab.listMessages(), (m) => m.id, { ...query, maxBytes: MAX_PAGE_BYTES });
  // Events have no id: a page names them by their number since the lab started.
  const first = lab.worldEventsFirst();
  return newestPage(lab.worldEvents(), (_, i) => String(first + i), { ...query, maxBytes: MAX_PAGE_BYTES });
}
