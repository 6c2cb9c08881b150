/**
 * The search syntax users of mail catchers know: free words and "quoted phrases", plus
 * `from:`, `to:`, `subject:`, `is:bounce`, `is:unread`, `has:attachment`, `before:` and `after:`
 * (dates YYYY-MM-DD, UTC). Every term must hold (AND); matching ignores case. An operator's
 * value may be quoted: `subject:"quarterly report"`. Pure: the bridge matches with it, the page
 * checks what is typed with it.
 */

export interface SearchQuery {
  /** Words and phrases that must appear somewhere (fields or body), lower case. */
  text: string[];
  from: string[];
  to: string[];
  subject: string[];
  /** `is:bounce`: only bounces (the null reverse-path). */
  bounce: boolean;
  unread: boolean;
  attachment: boolean;
  /** Epoch ms: only what arrived before the start of that day (UTC). */
  before: number | null;
  /** Epoch ms: only what arrived on or after the start of the day after that day (UTC). */
  after: number | null;
}

export type ParsedSearch = { ok: true; query: SearchQuery } | { ok: false; error: string };

/** Longest query the lab reads: a search box, not a document. */
export const MAX_SEARCH_QUERY_CHARS = 500;

const DAY_MS = 24 * 60 * 60 * 1000;
const OPERATORS = ['from', 'to', 'subject', 'is', 'has', 'before', 'after'] as const;
type Operator = (typeof OPERATORS)[number];
const isOperator = (name: string): name is Operator => (OPERATORS as readonly string[]).includes(name);

interface Term {
  operator: string | null;
  value: string;
}

/** Split into terms: `word`, `"a phrase"`, `op:value`, `op:"a value"`. */
function terms(input: string): Term[] | string {
  const found: Term[] = [];
  let i = 0;
  while (i < input.length) {
    if (/\s/.test(input[i] ?? '')) {
      i++;
      continue;
    }
    let operator: string | null = null;
    const named = /^([A-Za-z]+):/.exec(input.slice(i));
    if (named) {
      operator = (named[1] ?? '').toLowerCase();
      i += named[0].length;
    }
    let value: string;
    if (input[i] === '"') {
      const close = input.indexOf('"', i + 1);
      if (close < 0) return `a quote opened at character ${i + 1} is never closed`;
      value = input.slice(i + 1, close);
      i = close + 1;
    } else {
      const start = i;
      while (i < input.length && !/\s/.test(input[i] ?? '')) i++;
      value = input.slice(start, i);
    }
    found.push({ operator, value });
  }
  return found;
}

/** `YYYY-MM-DD` as the epoch ms of the start of that day (UTC), or null for anything else. */
function dayStart(text: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const at = Date.UTC(year, month - 1, day);
  const date = new Date(at);
  // Date.UTC rolls 2026-02-31 over into March: a day that does not exist is a mistake.
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? at : null;
}

export function parseSearchQuery(input: string): ParsedSearch {
  if (input.length > MAX_SEARCH_QUERY_CHARS) return { ok: false, error: `A search is at most ${MAX_SEARCH_QUERY_CHARS} characters.` };
  const split = terms(input);
  if (typeof split === 'string') return { ok: false, error: `Cannot read the search: ${split}.` };
  const query: SearchQuery = { text: [], from: [], to: [], subject: [], bounce: false, unread: false, attachment: false, before: null, after: null };
  for (const { operator, value } of split) {
    if (operator === null) {
      if (value !== '') query.text.push(value.toLowerCase());
      continue;
    }
    if (!isOperator(operator)) return { ok: false, error: `There is no search operator "${operator}:". Known: ${OPERATORS.map((o) => `${o}:`).join(' ')} (quote a phrase with a colon in it).` };
    if (value === '') return { ok: false, error: `"${operator}:" needs a value right after the colon, e.g. ${example(operator)}.` };
    const lower = value.toLowerCase();
    switch (operator) {
      case 'from':
      case 'to':
      case 'subject':
        query[operator].push(lower);
        break;
      case 'is':
        if (lower === 'bounce') query.bounce = true;
        else if (lower === 'unread') query.unread = true;
        else return { ok: false, error: `"is:${value}" is not known: use is:bounce or is:unread.` };
        break;
      case 'has':
        if (lower !== 'attachment') return { ok: false, error: `"has:${value}" is not known: use has:attachment.` };
        query.attachment = true;
        break;
      case 'before':
      case 'after': {
        const at = dayStart(value);
        if (at === null) return { ok: false, error: `"${operator}:${value}" is not a date: write it as YYYY-MM-DD, e.g. ${example(operator)}.` };
        if (operator === 'before') query.before = at;
        else query.after = at + DAY_MS;
        break;
      }
      default: {
        const never: never = operator;
        return never;
      }
    }
  }
  return { ok: true, query };
}

function example(operator: Operator): string {
  const examples: Record<Operator, string> = {
    from: 'from:alice@lab.test',
    to: 'to:bob',
    subject: 'subject:"weekly report"',
    is: 'is:bounce',
    has: 'has:attachment',
    before: 'before:2026-12-01',
    after: 'after:2026-11-30',
  };
  return examples[operator];
}

/** What one searchable item offers a query; text fields lower case. */
export interface Searchable {
  from: string;
  to: string;
  subject: string;
  /** Every field and the body, lower case: where free words are looked for. */
  all: string;
  bounce: boolean;
  unread: boolean;
  attachment: boolean;
  at: number;
}

/** True when every term of the query holds for the item. */
export function matchesSearch(query: SearchQuery, item: Searchable): boolean {
  if (query.bounce && !item.bounce) return false;
  if (query.unread && !item.unread) return false;
  if (query.attachment && !item.attachment) return false;
  if (query.before !== null && item.at >= query.before) return false;
  if (query.after !== null && item.at < query.after) return false;
  return (
    query.from.every((word) => item.from.includes(word)) &&
    query.to.every((word) => item.to.includes(word)) &&
    query.subject.every((word) => item.subject.includes(word)) &&
    query.text.every((word) => item.all.includes(word))
  );
}

/** True when the query asks only what a conversation can answer: words and dates. */
export function asksOnlyText(query: SearchQuery): boolean {
  return !query.bounce && !query.unread && !query.attachment && query.from.length + query.to.length + query.subject.length === 0;
}
