/**
 * A big lab, served in pages: its welcome and its API replies stay a few MB however much it keeps,
 * older lines come a page at a time on request, a healthy page is never cut off as a slow reader,
 * and serving it does not stall the bridge for other labs (/healthz stays quick).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import WebSocket from 'ws';
import type { BridgeMessage } from '../../core/protocol/messages';
import type { ConversationDetail, MessageSummary } from '../../core/wire';
import { Browser } from '../support/hosted-browser';
import { spawnBridge, type BridgeProcess } from '../support/deploy';
import { eventually } from './smtp-client';

const MB = 1024 * 1024;
/** "A few MB": no welcome frame or JSON reply may be larger. */
const MAX_REPLY = 5 * MB;
const LINE = `${'0123456789'.repeat(399)}abcdefghi`;
/** 4,000-character lines, each kept whole in the transcript: ~8 MB of lines per conversation. */
const BODY = Array.from({ length: 2_000 }, (_, n) => `${String(n).padStart(6, '0')} ${LINE.slice(7)}`).join('\r\n');

type Welcome = Extract<BridgeMessage, { type: 'welcome' }>;

/** The welcome as the page gets it: its size on the wire, and then the socket for more. */
async function openPage(browser: Browser): Promise<{ socket: WebSocket; bytes: number; welcome: Welcome; received: BridgeMessage[] }> {
  const url = new URL('/ws', browser.bridge.webUrl.replace(/^http/, 'ws'));
  const socket = new WebSocket(url, { headers: { cookie: browser.cookie, origin: new URL(browser.bridge.webUrl).origin } });
  const received: BridgeMessage[] = [];
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as BridgeMessage;
      received.push(message);
      if (message.type === 'welcome') resolve({ socket, bytes: data.length, welcome: message, received });
    });
  });
}

/** A page that opens, takes its welcome unread (this process must stay free to time /healthz), and closes. */
function welcomeOnly(browser: Browser): Promise<void> {
  const url = new URL('/ws', browser.bridge.webUrl.replace(/^http/, 'ws'));
  const socket = new WebSocket(url, { headers: { cookie: browser.cookie, origin: new URL(browser.bridge.webUrl).origin } });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('message', () => {
      socket.close();
      resolve();
    });
  });
}

function ask(socket: WebSocket, received: BridgeMessage[], message: object, ref: string): Promise<BridgeMessage> {
  socket.send(JSON.stringify({ ...message, ref }));
  return eventually(() => received.find((m) => 'ref' in m && m.ref === ref));
}

describe('a big lab, served in pages', () => {
  let bridge: BridgeProcess;
  let big: Browser;

  beforeAll(async () => {
    // A process of its own, as `npm start` runs it: /healthz measures the bridge's event loop, not this test's.
    bridge = await spawnBridge(['--hosted', '--max-lab-mb', '200']);
    const caPem = await (await fetch(new URL('/api/ca.pem', bridge.webUrl))).text();
    big = new Browser(bridge);
    await big.get('/');
    const { credentials } = await big.lab();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: bridge.smtp.port, requireTLS: true, auth: credentials, tls: { ca: caPem, servername: 'localhost' } });
    try {
      for (const n of [1, 2]) {
        const raw = `From: alice@lab.test\r\nTo: bob@lab.test\r\nSubject: Big ${n}\r\n\r\n${BODY}\r\n`;
        await transport.sendMail({ envelope: { from: 'alice@lab.test', to: ['bob@lab.test'] }, raw });
      }
    } finally {
      transport.close();
    }
    // Both hops recorded: the submissions and the relay's deliveries to mx.lab.test.
    await eventually(async () => (await big.json<MessageSummary[]>('/api/messages')).filter((m) => m.mailbox !== null).length === 2, 30_000);
  }, 120_000);
  afterAll(() => bridge.stop());

  it('welcomes a page with summaries and the newest lines, in a frame of a few MB, and keeps it connected', async () => {
    const page = await openPage(big);
    expect(page.bytes).toBeLessThan(MAX_REPLY);
    const long = page.welcome.conversations.filter((c) => (c.earlier ?? 0) > 0);
    expect(long.length).toBeGreaterThanOrEqual(2);
    for (const conversation of page.welcome.conversations) expect(conversation.lines.length).toBeLessThanOrEqual(100);

    // A healthy page of a big lab is not cut off as a slow reader: it keeps hearing the lab.
    const terminal = await ask(page.socket, page.received, { type: 'terminal.open' }, 'still-here');
    expect(terminal.type).toBe('terminal.opened');
    expect(page.socket.readyState).toBe(WebSocket.OPEN);
    page.socket.close();
  });

  it('gives older lines a page at a time, over the WebSocket and the API', async () => {
    const page = await openPage(big);
    // The newest conversation with lines in the welcome and more before them (a long DATA body).
    const newest = page.welcome.conversations.findLast((c) => c.lines.length > 0 && (c.earlier ?? 0) > 0) as ConversationDetail;
    expect(newest).toBeDefined();
    const answer = await ask(page.socket, page.received, { type: 'conversation.lines', conversation: newest.id, before: newest.firstLine, limit: 300 }, 'older');
    expect(answer.type).toBe('conversation.lines');
    const older = (answer as Extract<BridgeMessage, { type: 'conversation.lines' }>).conversation;
    expect(older.lines.length).toBeGreaterThan(0);
    expect(older.lines.length).toBeLessThanOrEqual(300);
    // The page ends just before the first line the page already had, with nothing missing between.
    expect((older.firstLine ?? 0) + older.lines.length).toBe(newest.firstLine);
    expect(older.earlier).toBe((newest.earlier ?? 0) - older.lines.length);
    const lastOlder = Number(older.lines.at(-1)?.text.slice(0, 6));
    const firstNewer = Number(newest.lines[0]?.text.slice(0, 6));
    expect(firstNewer - lastOlder).toBe(1);

    const viaApi = await big.json<ConversationDetail>(`/api/conversations/${newest.id}?limit=300&before=${newest.firstLine}`);
    expect(viaApi.lines).toEqual(older.lines);
    expect((await big.get(`/api/conversations/${newest.id}?limit=0`)).status).toBe(400);
    page.socket.close();
  });

  it('pages the JSON lists with ?limit=&before= and keeps each reply a few MB', async () => {
    for (const path of ['/api/conversations', '/api/messages', '/api/world/events', `/api/conversations/${(await big.json<ConversationDetail[]>('/api/conversations'))[0]?.id}`]) {
      const res = await big.get(path);
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeLessThan(MAX_REPLY);
    }
    const first = await big.get('/api/messages?limit=1');
    const newest = (await first.json()) as MessageSummary[];
    expect(newest).toHaveLength(1);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    expect(next).toMatch(/before=/);
    const older = await big.json<MessageSummary[]>(next ?? '');
    expect(older).toHaveLength(1);
    expect(older[0]?.receivedAt).toBeLessThanOrEqual(newest[0]?.receivedAt ?? 0);
    expect(older[0]?.id).not.toBe(newest[0]?.id);
    const events = await big.get('/api/world/events?limit=3');
    expect(((await events.json()) as unknown[]).length).toBe(3);
    expect(events.headers.get('link')).toMatch(/before=\d+/);
    expect((await big.get('/api/messages?limit=abc')).status).toBe(400);
  });

  it('answers /healthz quickly while the big lab’s pages and API are served', async () => {
    // The machine may be shared: the same requests with nothing else going on are the baseline.
    const idle = await healthzP99(big.bridge.webUrl, 1_500);
    let loading = true;
    const load = (async () => {
      while (loading) {
        await welcomeOnly(big);
        await Promise.all([big.get('/api/conversations').then((r) => r.arrayBuffer()), big.get('/api/messages').then((r) => r.arrayBuffer())]);
        // A page load every 50 ms or so: a class reloading the big lab, not a flood (that is what the rate limits are for).
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const busy = await healthzP99(big.bridge.webUrl, 3_000);
    loading = false;
    await load;
    // Measured again after: other work on a shared machine comes and goes.
    const idleAfter = await healthzP99(big.bridge.webUrl, 1_500);
    console.log(`/healthz p99: ${idle.toFixed(1)} / ${idleAfter.toFixed(1)} ms idle, ${busy.toFixed(1)} ms while a big lab's welcome and API are served`);
    // The goal (p99 within 50 ms) is a figure this line logs; a shared machine stretches it, so the
    // assertion is the stall the old whole-lab replies caused: a third of a second and more.
    expect(busy - Math.max(idle, idleAfter)).toBeLessThan(250);
  }, 30_000);
});

/** /healthz every 5 ms for `ms`: the 99th percentile of its round trips. */
async function healthzP99(webUrl: string, ms: number): Promise<number> {
  const latencies: number[] = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const started = performance.now();
    await (await fetch(new URL('/healthz', webUrl))).arrayBuffer();
    latencies.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  latencies.sort((a, b) => a - b);
  return latencies[Math.floor(latencies.length * 0.99)] ?? Number.POSITIVE_INFINITY;
}
