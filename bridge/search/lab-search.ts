/**
 * Search over what a lab keeps in memory: every mailbox copy (its header fields and body text)
 * and every conversation (its lines). It reads the working set, not the lab database, so it works
 * the same with --no-persist and in labs a test starts in-process; a linear scan over lower-cased
 * text made once per copy is fast enough (bench: `npm run bench -- --search`).
 */
import { asksOnlyText, matchesSearch, type Searchable, type SearchQuery } from '../../core/search/search-query';
import type { ConversationSummary, MessageSummary } from '../../core/wire';
import type { Mailboxes, StoredMessage } from '../world/mailboxes';

export type SearchHit =
  | { kind: 'message'; id: string; at: number; message: MessageSummary }
  | { kind: 'conversation'; id: string; at: number; conversation: ConversationSummary; line: { number: number; text: string } };

/** A conversation as search reads it. */
export interface SearchableConversation {
  summary(): ConversationSummary;
  detail(): { lines: ReadonlyArray<{ text: string }> };
}

type Fixed = Omit<Searchable, 'unread'>;

/** The lower-cased text of a copy, made once: the copy's bytes never change while it is kept. */
const readText = new WeakMap<StoredMessage, Fixed>();

/** Marks a part saved as a file: a Content-Disposition of attachment, or a named part. */
const ATTACHMENT = /^content-disposition:\s*attachment|^content-(?:type|disposition):[^\n]*\bname\*?=/m;

function fixedOf(mailboxes: Mailboxes, copy: StoredMessage): Fixed {
  const known = readText.get(copy);
  if (known) return known;
  const summary = mailboxes.summary(copy);
  const source = copy.raw.toString('utf8').toLowerCase();
  const split = source.search(/\r?\n\r?\n/);
  const body = split < 0 ? '' : source.slice(split);
  const from = `${summary.from} ${copy.envelopeFrom}`.toLowerCase();
  const to = `${summary.to.join(' ')} ${copy.envelopeTo.join(' ')}`.toLowerCase();
  const subject = summary.subject.toLowerCase();
  const fixed: Fixed = {
    from,
    to,
    subject,
    all: `${from}\n${to}\n${subject}\n${body}`,
    bounce: copy.envelopeFrom === '',
    attachment: ATTACHMENT.test(source),
    at: copy.receivedAt,
  };
  // A big header block a worker is still reading has empty fields for now: read it again next time.
  if (summary.subject || summary.from) readText.set(copy, fixed);
  return fixed;
}

/** Every hit, oldest first (as the API's pages want them): mailbox copies, then conversations by start. */
export function searchLab(query: SearchQuery, mailboxes: Mailboxes, conversations: Iterable<SearchableConversation>): SearchHit[] {
  const hits: SearchHit[] = [];
  for (const copy of mailboxes.recent(Number.MAX_SAFE_INTEGER)) {
    const unread = mailboxes.isUnread(copy);
    if (query.unread && !unread) continue;
    if (matchesSearch(query, { ...fixedOf(mailboxes, copy), unread })) {
      hits.push({ kind: 'message', id: copy.id, at: copy.receivedAt, message: mailboxes.summary(copy) });
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
      hits.push({ kind: 'conversation', id: summary.id, at: summary.startedAt, conversation: summary, line: { number, text: lines[number]?.text ?? '' } });
    }
  }
  return hits.sort((a, b) => a.at - b.at);
}
