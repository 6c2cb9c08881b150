/**
 * Pages of a lab's lists for pages and API callers: the newest items first in, within a count and
 * a size, with a cursor for the page before. What the welcome and the JSON API send never grows
 * with the lab (see core/protocol/pages.ts).
 */
import type { ConversationDetail } from '../../core/wire';
import { RECENT_LINES_PER_CONVERSATION } from '../../core/protocol/pages';
import { lineBytes } from '../lab/conversations';
import type { Lab } from '../lab/lab-types';

export interface ListPage<T> {
  /** Oldest first, as the lab lists them. */
  items: T[];
  /** The `before` that asks for the page before this one; null when this page reaches the oldest. */
  before: string | null;
}

export interface PageRequest {
  limit: number;
  maxBytes: number;
  /** Cursor: the page ends just before the item with this key; absent: with the newest. */
  before?: string | null;
}

/** The size an item adds to a JSON reply (as `JSON.stringify` writes it, without indentation). */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}

/**
 * The newest items of `items` (oldest first) that end before `before`: at most `limit` of them and
 * `maxBytes` of JSON, but at least one. A cursor the lab no longer keeps gives an empty page.
 */
export function newestPage<T>(items: readonly T[], key: (item: T, index: number) => string, request: PageRequest): ListPage<T> {
  let end = items.length;
  if (request.before != null) {
    end = items.findIndex((item, index) => key(item, index) === request.before);
    if (end < 0) return { items: [], before: null };
  }
  let start = end;
  let bytes = 0;
  while (start > 0 && end - start < request.limit) {
    bytes += jsonBytes(items[start - 1]);
    if (bytes > request.maxBytes && start < end) break;
    start--;
  }
  return { items: items.slice(start, end), before: start > 0 ? key(items[start] as T, start) : null };
}

/**
 * Conversations with their newest lines (older lines come a page at a time on request): the newest
 * conversations get lines first, and once `maxBytes` is spent the older ones come as summaries
 * with no lines (`earlier` says how many there are).
 */
export function recentConversations(lab: Lab, request: PageRequest): ListPage<ConversationDetail> {
  const summaries = newestPage(lab.listConversations(), (c) => c.id, { ...request, maxBytes: Number.POSITIVE_INFINITY });
  let room = request.maxBytes;
  const details: ConversationDetail[] = [];
  for (let i = summaries.items.length - 1; i >= 0; i--) {
    const summary = summaries.items[i];
    if (!summary) continue;
    // Room for a summary with no lines is kept back for every conversation still to come.
    const reserve = i * 512;
    const lines = room - reserve > 4096 ? RECENT_LINES_PER_CONVERSATION : 0;
    const detail = lab.conversationPage(summary.id, { limit: lines, maxBytes: room - reserve });
    if (!detail) continue;
    // Counted as the page counted its lines, not by serialising them once more: a big lab's
    // welcome must cost one JSON.stringify, not two.
    room -= 512 + lineBytes(detail.lines);
    details.push(detail);
  }
  return { items: details.reverse(), before: summaries.before };
}
