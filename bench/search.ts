/**
 * Search over 10,000 mailbox copies, in this process: the lab's own search (bridge/search) over
 * the world's mailboxes, as GET /api/search runs it, without HTTP. The first search of a copy
 * lower-cases its text once; later ones only scan. Goal (issue 21): under 50 ms.
 */
import { parseSearchQuery } from '../core/search/search-query';
import { MAX_PAGE_BYTES } from '../core/protocol/pages';
import { FIRST_READS_PER_TURN, searchLab, searchPage } from '../bridge/search/lab-search';
import { Mailboxes } from '../bridge/world/mailboxes';
import { median } from './stats';

const MESSAGES = 10_000;
const GOAL_MS = 50;
const WORDS = ['invoice', 'report', 'meeting', 'lunch', 'deploy', 'release', 'budget', 'holiday', 'welcome', 'password', 'reset', 'order'];

/** About 1 KB each, in 50 mailboxes of 200 (the lab's limit per mailbox), one in ten with an attachment. */
function fill(): Mailboxes {
  const boxes = new Mailboxes({ messagesPerMailbox: 200, mailboxes: 500 });
  for (let i = 0; i < MESSAGES; i++) {
    const word = WORDS[i % WORDS.length] ?? '';
    const to = `user${i % 50}@example.test`;
    const attachment = i % 10 === 0;
    const body = `Hello,\r\n\r\nThis is message ${i} about the ${word} (${WORDS[(i * 7) % WORDS.length]}).\r\n${'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(14)}\r\n`;
    const raw = [
      `Return-Path: <app@lab.test>`,
      `Received: from app.example by mx.example.test with ESMTP id ${i}`,
      `From: App <app${i % 7}@lab.test>`,
      `To: ${to}`,
      `Subject: ${word} number ${i}`,
      `Date: ${new Date(Date.UTC(2026, 11, 1) + i * 60_000).toUTCString()}`,
      attachment ? 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n' : 'Content-Type: text/plain',
      '',
      body + (attachment ? '--b\r\nContent-Disposition: attachment; filename="a.pdf"\r\n\r\nJVBERi0=\r\n--b--\r\n' : ''),
    ].join('\r\n');
    boxes.add({ mailbox: to, host: 'mx.example.test', conversation: null, envelopeFrom: i % 25 === 0 ? '' : `app${i % 7}@lab.test`, envelopeTo: [to], receivedAt: Date.UTC(2026, 11, 1) + i * 60_000, outside: false, raw: Buffer.from(raw) });
  }
  return boxes;
}

const QUERIES = ['turquoise', 'invoice number 4242', '"deploy number"', 'from:app3 subject:report', 'is:bounce has:attachment', 'after:2026-12-03 lunch', 'is:unread adipiscing'];

export async function measureSearch(): Promise<void> {
  const boxes = fill();
  const run = async (text: string) => {
    const parsed = parseSearchQuery(text);
    if (!parsed.ok) throw new Error(parsed.error);
    const started = performance.now();
    // As GET /api/search answers: every match, then the hits of the first page.
    const matches = await searchLab(parsed.query, boxes, []);
    searchPage(matches, { limit: 50, before: null, maxBytes: MAX_PAGE_BYTES });
    return { ms: performance.now() - started, hits: matches.length };
  };
  const first = await run('turquoise');
  const rows: Record<string, { hits: number; 'median ms': string }> = {};
  let worst = 0;
  for (const query of QUERIES) {
    const times: number[] = [];
    let hits = 0;
    for (let i = 0; i < 15; i++) ({ ms: times[i] = 0, hits } = await run(query));
    const m = median(times);
    worst = Math.max(worst, m);
    rows[query] = { hits, 'median ms': m.toFixed(1) };
  }
  console.log(`\nSearch over ${MESSAGES.toLocaleString('en')} mailbox copies (in process, no HTTP)`);
  console.table(rows);
  console.log(`first search (reads each copy's text once, ${FIRST_READS_PER_TURN} copies per turn of the event loop): ${first.ms.toFixed(1)} ms`);
  console.log(`slowest query, median: ${worst.toFixed(1)} ms  (goal < ${GOAL_MS} ms)  ${worst < GOAL_MS ? 'PASS' : 'FAIL'}`);
}
