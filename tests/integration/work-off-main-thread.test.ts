/**
 * The thread that answers every lab never waits behind one lab's heavy message: a hosted lab fills
 * up with messages whose header blocks are 256 KB of addresses (tens of milliseconds each to
 * read), its page opens and lists them all, and meanwhile the bridge's event loop, the one every
 * other lab's replies go through, is never held up for anything near a second.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import type { MessageSummary } from '../../core/wire';
import { Browser } from '../support/hosted-browser';
import { startHostedTestBridge, type HostedTestBridge } from '../support/lab-process';
import { eventually } from './smtp-client';

const MESSAGES = 30;
/** A header block of 45,000 addresses: about 60 ms to read on a quiet machine here, so 30 of them are ~2 s in one go. */
const hostile = (n: number) =>
  `Subject: Hostile ${n}\r\nTo: bob@lab.test\r\nFrom: ${Array(45_000).fill('a@b.c').join(',\r\n ')}\r\n\r\nhello ${n}\r\n`;

describe('heavy work off the thread that answers', () => {
  let bridge: HostedTestBridge;
  beforeAll(async () => {
    bridge = await startHostedTestBridge({ limits: { messages: 200, labBytes: 400 * 1024 * 1024 } });
  });
  afterAll(() => bridge.close());

  it("a lab's page lists thirty messages with huge header blocks, and the event loop every lab shares is never blocked for a second", async () => {
    const caPem = await (await fetch(new URL('/api/ca.pem', bridge.webUrl))).text();
    const hostileLab = new Browser(bridge);
    await hostileLab.get('/');
    const { credentials } = await hostileLab.lab();
    const learner = new Browser(bridge);
    await learner.get('/');

    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: bridge.smtp.port, requireTLS: true, auth: credentials, tls: { ca: caPem, servername: 'localhost' } });
    try {
      for (let n = 1; n <= MESSAGES; n++) await transport.sendMail({ envelope: { from: 'learner@lab.test', to: ['bob@lab.test'] }, raw: hostile(n) });
    } finally {
      transport.close();
    }
    // The page opens (its welcome lists every message) while another lab's learner asks for theirs.
    const page = await hostileLab.socket();
    const [listed] = await Promise.all([
      eventually(async () => {
        const messages = (await hostileLab.json<MessageSummary[]>('/api/messages')).filter((m) => m.mailbox === null);
        return messages.length === MESSAGES && messages.every((m) => m.subject.startsWith('Hostile ')) && messages;
      }, 60_000),
      learner.lab(),
    ]);
    page.close();
    delay.disable();

    // Read in full, in a worker: each one listed with its own From and Subject.
    expect(listed && listed.map((m) => m.subject).sort()).toEqual(Array.from({ length: MESSAGES }, (_, i) => `Hostile ${i + 1}`).sort());
    expect(listed && listed.every((m) => m.from === 'a@b.c')).toBe(true);
    // Read here, the list alone held the loop for about two seconds; a busy shared machine adds
    // hundreds of ms of its own, never a second.
    expect(delay.max / 1e6).toBeLessThan(1000);
  }, 120_000);
});
