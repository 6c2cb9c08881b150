/**
 * Search over what a lab keeps in memory: every mailbox copy (its header fields and body text)
 * and every conversation (its lines). It reads the working set, not the lab database, so it works
 * the same with --no-persist and in labs a test starts in-process; a linear scan over lower-cased
 * text made once per copy is fast enough (bench: `npm run bench -- --search`).
 */
import { asksOnlyText, matchesSearch, type Searchable, type SearchQuery } from '../../core/search/search-query';
import type { ConversationSummary, MessageSummary } from '../../core/wire';
import type { Mailboxes, StoredMessage } from '../world/mailboxes';
import { newestPage, type ListPage } from '../web/pages';

export type SearchHit =
  | { kind: 'message'; id: string; at: number; message: MessageSummary }
  | { kind: 'conversation'; id: string; at: number; conversation: ConversationSummary; line: { number: number; text: string } };

/** A conversation as search reads it. */
export interface SearchableConversation {
  summary(): ConversationSummary;
  detail(): { lines: ReadonlyArray<{ text: string }> };
}

/**
 * A match, light: the hit itself (a summary, a line) is made only for the page a caller gets, so
 * a query that matches every copy costs no more than one that matches a few.
 */
export interface SearchMatch {
  key: string;
  at: number;
  hit(): SearchHit;
}

/** The lower-cased text of a copy, made once: the copy's bytes never change while it is kept. */
const readText = new WeakMap<StoredMessage, Searchable>();

/** Marks a part saved as a file: a Content-Disposition of attachment, or a named part. */
const ATTACHMENT = /^content-disposition:\s*attachment|^content-(?:type|disposition):[^\n]*\bname\*?=/m;

const QUOTED_PRINTABLE = /content-transfer-encoding:\s*quoted-printable/i;

/**
 * The text of a message as a reader would search it: quoted-printable undone (that is how mail
 * programs send text with accents or long lines), so "grüße" finds "Gr=C3=BC=C3=9Fe". Base64
 * parts are attachments as a rule, and stay as they are.
 */
function searchText(raw: Buffer): string {
  const latin1 = raw.toString('latin1');
  if (!QUOTED_PRINTABLE.test(latin1)) return raw.toString('utf8');
  const decoded = latin1.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(decoded, 'latin1').toString('utf8');
}

function searchableOf(mailboxes: Mailboxes, copy: StoredMessage): Searchable {
  const known = readText.get(copy);
  if (known) return known;
  const summary = mailboxes.summary(copy);
  const source = searchText(copy.raw).toLowerCase();
  const split = source.search(/\r?\n\r?\n/);
  const body = split < 0 ? '' : source.slice(split);
  const from = `${summary.from} ${copy.envelopeFrom}`.toLowerCase();
  const to = `${summary.to.join(' ')} ${copy.envelopeTo.join(' ')}`.toLowerCase();
  const subject = summary.subject.toLowerCase();
  const fixed: Searchable = {
    from,
    to,
    subject,
    all: `${from}\n${to}\n${subject}\n${body}`,
    bounce: copy.envelopeFrom === '',
    attachment: ATTACHMENT.test(source),
    unread: false,
    at: copy.receivedAt,
  };
  // A big header block a worker is still reading has empty fields for now: read it again next time.
  if (summary.subject || summary.from) readText.set(copy, fixed);
  return fixed;
}

/**
 * Copies read for the first time between two turns of the event loop: reading 10,000 at once
 * holds the thread for the better part of a second, and every lab of the bridge with it.
 */
export const FIRST_READS_PER_TURN = 250;

/** Every match, oldest first (as the API's pages want them): mailbox copies, then conversations by start. */
export async function searchLab(query: SearchQuery, mailboxes: Mailboxes, conversations: Iterable<SearchableConversation>): Promise<SearchMatch[]> {
  const matches: SearchMatch[] = [];
  let firstReads = 0;
  for (const copy of mailboxes.recent(Number.MAX_SAFE_INTEGER)) {
    if (!readText.has(copy) && ++firstReads % FIRST_READS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    const item = searchableOf(mailboxes, copy);
    // Read state changes while the text does not: set on the kept item, not a copy of it.
    item.unread = mailboxes.isUnread(copy);
    if (matchesSearch(query, item)) {
      matches.push({ key: `m-${copy.id}`, at: copy.receivedAt, hit: () => ({ kind: 'message', id: copy.id, at: copy.receivedAt, message: mailboxes.summary(copy) }) });
    }
  }
  if (asksOnlyText(query)) {
    for (const conversation of conversations) {
      const summary = conversation.summary();
      if ((query.before !== null && summary.startedAt >= query.before) || (query.after !== null && summary.startedAt < query.after)) continue;
      const lines = conversation.detail().lines;
      const lower = lines.map((line) => line.text.toLowerCase());
      if (!query.text.every((word) => lower.some((line) => line.includes(word)))) continue;
      // The line shown is the first that holds the first word: where to start reading.
      const first = query.text[0];
      const number = first === undefined ? 0 : Math.max(0, lower.findIndex((line) => line.includes(first)));
      const hit: SearchHit = { kind: 'conversation', id: summary.id, at: summary.startedAt, conversation: summary, line: { number, text: lines[number]?.text ?? '' } };
      matches.push({ key: `c-${summary.id}`, at: summary.startedAt, hit: () => hit });
    }
  }
  // Copies arrive in order and conversations start in order: a stable sort of two runs.
  return matches.sort((a, b) => a.at - b.at);
}

/** One page of hits, the newest first in, as the other lists page (`?limit=&before=`). */
export function searchPage(matches: readonly SearchMatch[], request: { limit: number; before: string | null; maxBytes: number }): ListPage<SearchHit> {
  let end = matches.length;
  if (request.before !== null) {
    end = matches.findIndex((match) => match.key === request.before);
    if (end < 0) return { items: [], before: null };
  }
  const start = Math.max(0, end - request.limit);
  const page = newestPage(matches.slice(start, end).map((match) => match.hit()), (_, i) => matches[start + i]?.key ?? '', { limit: request.limit, maxBytes: request.maxBytes });
  // Cut short by size, the page starts later: its cursor is the first hit it kept.
  if (page.before !== null) return page;
  return { items: page.items, before: start > 0 ? (matches[start]?.key ?? null) : null };
}
