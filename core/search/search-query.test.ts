import { describe, expect, it } from 'vitest';
import { asksOnlyText, matchesSearch, MAX_SEARCH_QUERY_CHARS, parseSearchQuery, type Searchable, type SearchQuery } from './search-query';

function parsed(text: string): SearchQuery {
  const result = parseSearchQuery(text);
  if (!result.ok) throw new Error(result.error);
  return result.query;
}
function error(text: string): string {
  const result = parseSearchQuery(text);
  if (result.ok) throw new Error(`"${text}" was read without an error`);
  return result.error;
}

const item = (over: Partial<Searchable> = {}): Searchable => ({
  from: 'alice <alice@lab.test>', to: 'bob@example.test', subject: 'weekly report',
  all: 'alice <alice@lab.test> bob@example.test weekly report the numbers are in', bounce: false, unread: false, attachment: false,
  at: Date.UTC(2026, 11, 5, 10), ...over,
});
const hit = (text: string, over: Partial<Searchable> = {}) => matchesSearch(parsed(text), item(over));

describe('the search syntax', () => {
  it('reads free words and quoted phrases, every one required, ignoring case', () => {
    expect(parsed('Numbers  "are IN"').text).toEqual(['numbers', 'are in']);
    expect(hit('numbers ARE')).toBe(true);
    expect(hit('"numbers are in"')).toBe(true);
    expect(hit('"in are"')).toBe(false);
    expect(hit('numbers missing')).toBe(false);
    expect(hit('')).toBe(true);
  });

  it('reads from:, to: and subject:, quoted values too, each looked for in its own field', () => {
    expect(parsed('from:Alice to:bob subject:"Weekly Report"')).toMatchObject({ from: ['alice'], to: ['bob'], subject: ['weekly report'] });
    expect(hit('from:alice')).toBe(true);
    expect(hit('from:bob')).toBe(false);
    expect(hit('to:bob')).toBe(true);
    expect(hit('to:alice')).toBe(false);
    expect(hit('subject:"weekly report"')).toBe(true);
    expect(hit('subject:numbers')).toBe(false);
  });

  it('reads is:bounce, is:unread and has:attachment', () => {
    expect(hit('is:bounce')).toBe(false);
    expect(hit('is:bounce', { bounce: true })).toBe(true);
    expect(hit('is:unread')).toBe(false);
    expect(hit('IS:Unread', { unread: true })).toBe(true);
    expect(hit('has:attachment')).toBe(false);
    expect(hit('has:attachment', { attachment: true })).toBe(true);
  });

  it('reads before: and after: as whole days (UTC), each excluding the day it names', () => {
    expect(hit('before:2026-12-06')).toBe(true);
    expect(hit('before:2026-12-05')).toBe(false);
    expect(hit('after:2026-12-04')).toBe(true);
    expect(hit('after:2026-12-05')).toBe(false);
    expect(hit('after:2026-12-04 before:2026-12-06')).toBe(true);
  });

  it('answers bad input with an error that says what to write instead', () => {
    expect(error('subject:"never closed')).toMatch(/quote opened at character 9 is never closed/);
    expect(error('colour:red')).toMatch(/no search operator "colour:".*from: to: subject:/);
    expect(error('from:')).toMatch(/"from:" needs a value.*from:alice@lab.test/);
    expect(error('is:read')).toMatch(/is:bounce or is:unread/);
    expect(error('has:pdf')).toMatch(/has:attachment/);
    expect(error('before:yesterday')).toMatch(/not a date: write it as YYYY-MM-DD/);
    expect(error('after:2026-02-31')).toMatch(/not a date/);
    expect(error('x'.repeat(MAX_SEARCH_QUERY_CHARS + 1))).toMatch(/at most 500 characters/);
    // A colon after something that is not a name is an ordinary word (a time, an address with a port).
    expect(parsed('10:30 "re: hello"').text).toEqual(['10:30', 're: hello']);
  });

  it('says which queries a conversation can answer: words and dates alone', () => {
    expect(asksOnlyText(parsed('RCPT "550 5.1.1" after:2026-01-01'))).toBe(true);
    expect(asksOnlyText(parsed('RCPT from:alice'))).toBe(false);
    expect(asksOnlyText(parsed('is:bounce'))).toBe(false);
  });
});
