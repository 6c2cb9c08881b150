/**
 * The relay-memory part's own process (run with --expose-gc and an IPC channel): a lab world as
 * the lab runs it, relaying stage after stage of 1 KB messages from the lab's relay to mailboxes
 * on five of its hosts (DKIM-signed, over STARTTLS, checked and filed by each host), and reporting
 * the heap after a full collection once each stage's sessions have closed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateCertificates } from '../bridge/lab/certificates';
import { LINGER_MS } from '../bridge/tap/line-tap';
import { createWorld } from '../bridge/world/world';
import { silentTap } from '../bridge/world/world-sockets';
import { RELAY_MEMORY_RECIPIENTS } from './relay-memory';

export interface RelayMemoryStage {
  /** Messages relayed in this stage, and in all stages so far. */
  messages: number;
  total: number;
  /** Heap in use after a full collection, in bytes. */
  heapUsed: number;
  /** Relay sessions opened so far (a session carries up to 50 messages of a burst). */
  sessions: number;
  seconds: number;
}

export type RelayMemoryReport = { type: 'stage'; stage: RelayMemoryStage } | { type: 'done' } | { type: 'failed'; message: string };

/** Messages handed to the queue at once: a burst, as an app pumping mail into the lab makes. */
const BURST = 500;

const gc = (globalThis as { gc?: () => void }).gc;
const send = (report: RelayMemoryReport) => process.send?.(report);
if (!process.send || !gc) throw new Error('run me with --expose-gc and an IPC channel (bench/relay-memory.ts does)');
const stages = (process.env.RELAY_MEMORY_STAGES ?? '').split(',').map(Number);
if (stages.length === 0 || !stages.every((n) => Number.isInteger(n) && n > 0)) throw new Error('RELAY_MEMORY_STAGES: message counts, e.g. 1000,10000');

const stateDir = await mkdtemp(join(tmpdir(), 'smtp-lab-relay-memory-'));
try {
  const certificates = await loadOrCreateCertificates(stateDir);
  let sessions = 0;
  let stored = 0;
  // The world's own silent tap (a LineTap that records nothing), counting the sessions it taps.
  const silent = silentTap(certificates, () => {});
  const world = await createWorld({
    certificates,
    tap: (hop, client, server, observe) => {
      sessions += 1;
      silent(hop, client, server, observe);
    },
    onEvent: (event) => {
      if (event.type === 'stored') stored += 1;
    },
  });
  const body = `${'x'.repeat(74)}\r\n`.repeat(10);
  let total = 0;
  try {
    for (const messages of stages) {
      const started = performance.now();
      for (let sent = 0; sent < messages; sent += BURST) {
        for (let i = sent; i < Math.min(messages, sent + BURST); i++) {
          const to = RELAY_MEMORY_RECIPIENTS[i % RELAY_MEMORY_RECIPIENTS.length] as string;
          const raw = Buffer.from(`From: learner@lab.test\r\nTo: ${to}\r\nSubject: relay ${total + i}\r\n\r\n${body}`);
          world.enqueue({ raw, envelopeFrom: 'learner@lab.test', envelopeTo: [to] });
        }
        await world.settled();
      }
      total += messages;
      if (stored !== total) throw new Error(`${total} messages relayed but ${stored} stored: the figure would not be about relaying`);
      // The last sessions' QUIT and close are still on their way, and a tap lets a half-closed hop linger.
      await new Promise((resolve) => setTimeout(resolve, LINGER_MS + 1_000));
      const seconds = (performance.now() - started) / 1000;
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((resolve) => setImmediate(resolve));
      }
      send({ type: 'stage', stage: { messages, total, heapUsed: process.memoryUsage().heapUsed, sessions, seconds } });
    }
  } finally {
    await world.close();
  }
  send({ type: 'done' });
} catch (error) {
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
} finally {
  await rm(stateDir, { recursive: true, force: true });
  process.disconnect();
}
