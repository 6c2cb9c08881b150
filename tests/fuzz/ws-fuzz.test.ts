/**
 * Thousands of hostile WebSocket messages on several sockets at once, then a new page must be
 * served as if nothing had happened: no crash, no error that escaped a handler, no 'internal'
 * error (the hub's catch-all for a failure it did not expect), and the heap back near where it was.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseClientMessage, type BridgeMessage } from '../../core/protocol/messages';
import { startTestBridge, type TestBridge } from '../support/lab-process';
import { mulberry32, type Rng, withSeed } from '../support/prng';
import { LabSocket } from '../support/ws-client';
import { MB, settledHeap, sleep, watchForCrashes, type CrashWatch } from './guard';
import { wsCase } from './ws-cases';

const SOCKETS = 4;
const MESSAGES_PER_SOCKET = 720;
const BATCH = 60;
const SMTP_JUNK = ['EHLO', 'HELO x', 'MAIL FROM:<a@b>', 'RCPT TO:<x@lab.test>', 'DATA', '.', 'RSET', 'STARTTLS', 'AUTH PLAIN', 'VRFY', 'QUIT', ''];

let bridge: TestBridge;
let crashes: CrashWatch;
const logSetting = process.env.SMTP_LAB_LOG;

beforeAll(async () => {
  crashes = watchForCrashes();
  // Thousands of refusals, each logged as a warning, would drown the test output.
  process.env.SMTP_LAB_LOG = process.env.FUZZ_LOG ?? 'silent';
  bridge = await startTestBridge();
});
afterAll(async () => {
  crashes.stop();
  await bridge?.close();
  if (logSetting === undefined) delete process.env.SMTP_LAB_LOG;
  else process.env.SMTP_LAB_LOG = logSetting;
});

/** One fuzzing page: sends its share, answers nothing, notes its terminals and any internal error. */
class FuzzPage {
  readonly terminals: string[] = [];
  readonly internal: string[] = [];
  #client: LabSocket;
  #sentinel = 0;

  private constructor(client: LabSocket) {
    this.#client = client;
    this.#watch(client);
  }

  static async open(url: string): Promise<FuzzPage> {
    return new FuzzPage(await LabSocket.open(url));
  }

  #watch(client: LabSocket): void {
    client.socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as BridgeMessage;
      if (message.type === 'terminal.opened') this.terminals.push(message.conversation.id);
      if (message.type === 'error' && message.code === 'internal') this.internal.push(message.message);
    });
  }

  /** The bridge may close a page it finds abusive; a real page would reconnect, and so does this one. */
  async #socket(url: string): Promise<LabSocket> {
    if (this.#client.socket.readyState === this.#client.socket.OPEN) return this.#client;
    this.#client = await LabSocket.open(url);
    this.#watch(this.#client);
    return this.#client;
  }

  /** A few real terminals, opened one by one before the flood, for junk to reach a real server. */
  async openTerminals(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const ref = `open-${i}`;
      const opened = this.#client.next((m) => m.type === 'terminal.opened' && m.ref === ref);
      this.#client.send({ type: 'terminal.open', ref });
      await opened;
    }
  }

  async run(rng: Rng, url: string, count: number, huge: number): Promise<void> {
    let hugeLeft = huge;
    for (let sent = 0; sent < count; sent += BATCH) {
      const client = await this.#socket(url);
      for (let i = 0; i < BATCH; i++) {
        if (rng.chance(0.1) && this.terminals.length) {
          // Junk through a real terminal reaches a real smtp-server.
          const text = rng.chance(0.5) ? rng.pick(SMTP_JUNK) + rng.string(rng.int(0, 20)) : rng.unicode(rng.int(0, 30));
          client.send({ type: 'terminal.line', conversation: rng.pick(this.terminals), text });
          continue;
        }
        const item = wsCase(rng, hugeLeft > 0);
        if (item.kind === 'binary') client.socket.send(item.bytes, { binary: true });
        else if (!opensConnection(item.text)) {
          if (item.text.length > 1 * MB) hugeLeft--;
          client.send(item.text);
        }
      }
      // Pace by round trips: the answer to a known-bad message comes after the batch is read.
      const ref = `sentinel-${++this.#sentinel}`;
      const answered = client.next((m) => m.type === 'error' && m.ref === ref, 15_000);
      client.send({ type: 'conversation.get', ref, conversation: 'no-such-conversation' });
      await answered;
    }
  }

  async close(): Promise<void> {
    const client = this.#client;
    for (const id of this.terminals) client.send({ type: 'terminal.close', conversation: id });
    await sleep(50);
    client.close();
  }
}

/**
 * Valid terminal.open and compose.send each open a loopback connection; a flood of them measures
 * how fast the bridge accepts connections, not how it handles bad input, so they are left out.
 */
function opensConnection(text: string): boolean {
  const parsed = parseClientMessage(text);
  return parsed.ok && (parsed.message.type === 'terminal.open' || parsed.message.type === 'compose.send');
}

/** A new page gets its welcome, opens a terminal and has a NOOP answered. */
async function servedNormally(): Promise<void> {
  const client = await LabSocket.open(bridge.webUrl);
  expect((await client.welcome()).lab.smtp.port).toBe(bridge.smtp.port);
  client.send({ type: 'terminal.open', ref: 'fresh' });
  const opened = await client.next((m) => m.type === 'terminal.opened' && m.ref === 'fresh');
  if (opened.type !== 'terminal.opened') throw new Error('unreachable');
  const id = opened.conversation.id;
  await client.serverLine(id, '220');
  const noop = client.serverLine(id, '250');
  client.send({ type: 'terminal.line', conversation: id, text: 'NOOP' });
  await noop;
  client.send({ type: 'terminal.close', conversation: id });
  client.close();
}

it('survives thousands of malformed WebSocket messages and serves the next page normally', async () => {
  await withSeed('WebSocket fuzz', async (rng) => {
    // Warm up first, so that code loaded on first use does not count as growth.
    const warm = await FuzzPage.open(bridge.webUrl);
    await warm.openTerminals(1);
    await warm.run(rng, bridge.webUrl, BATCH * 2, 0);
    await warm.close();
    await servedNormally();
    await sleep(200);
    const baseline = await settledHeap();

    const pages = await Promise.all(Array.from({ length: SOCKETS }, () => FuzzPage.open(bridge.webUrl)));
    for (const page of pages) await page.openTerminals(3);
    // One generator per page: pages interleave by timing, and each must still replay the same.
    await Promise.all(pages.map((page, i) => page.run(mulberry32(rng.seed + i + 1), bridge.webUrl, MESSAGES_PER_SOCKET, i === 0 ? 3 : 0)));
    expect(pages.flatMap((page) => page.internal)).toEqual([]);
    await Promise.all(pages.map((page) => page.close()));

    await servedNormally();
    expect(crashes.problems).toEqual([]);

    // Every terminal the fuzz opened was closed; what is left is the bounded record of them.
    await sleep(300);
    const growth = (await settledHeap()) - baseline;
    expect(growth, `heap grew by ${(growth / MB).toFixed(1)} MB`).toBeLessThan(24 * MB);
  });
}, 60_000);
