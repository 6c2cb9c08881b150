/**
 * The bridge of the class scenario, in a process of its own (run with --expose-gc and an IPC
 * channel): hosted mode on loopback, answering the load driver's questions about itself — labs
 * held, memory after a full collection, CPU time and event-loop delay — over IPC.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { startBridge } from '../bridge/server';
import { LoopbackPairs } from '../bridge/tap/loopback-pair';

export interface ClassBridgeStats {
  labs: number;
  heapUsed: number;
  external: number;
  rss: number;
  /** CPU seconds (user + system) since the process started. */
  cpuSeconds: number;
  /** Event-loop delay since the last `reset`, in ms. */
  loopDelay: { p50: number; p99: number; max: number };
  /** Event-loop utilisation since the last `reset` (0..1). */
  loopUtilisation: number;
  openHandles: number;
  /** Loopback socket pairs asked for (terminals, hops), most at once, slower than 1 s, failed. */
  pairs: { made: number; mostAtOnce: number; slow: number; failed: number; lastError: string };
}

export type ClassBridgeRequest =
  | { type: 'stats'; id: number; gc: boolean }
  | { type: 'reset'; id: number }
  | { type: 'stop'; id: number };

export type ClassBridgeReply =
  | { type: 'ready'; webUrl: string; maxLabs: number }
  | { type: 'stats'; id: number; stats: ClassBridgeStats }
  | { type: 'done'; id: number };

const send = (message: ClassBridgeReply) => process.send?.(message);
const gc = (globalThis as { gc?: () => void }).gc;
if (!process.send || !gc) throw new Error('run me with --expose-gc and an IPC channel (bench/class-load.ts does)');

/** Counts the loopback pairs the labs ask for, to tell where a burst of connects goes wrong. */
const pairStats = { made: 0, mostAtOnce: 0, slow: 0, failed: 0, lastError: '' };
let pairsInFlight = 0;
const pair = LoopbackPairs.prototype.pair;
LoopbackPairs.prototype.pair = async function countedPair(this: LoopbackPairs) {
  const started = performance.now();
  pairsInFlight++;
  pairStats.mostAtOnce = Math.max(pairStats.mostAtOnce, pairsInFlight);
  try {
    const made = await pair.call(this);
    pairStats.made++;
    return made;
  } catch (error) {
    pairStats.failed++;
    pairStats.lastError = String(error);
    throw error;
  } finally {
    pairsInFlight--;
    if (performance.now() - started > 1_000) pairStats.slow++;
  }
};

const maxLabs = Number(process.env.CLASS_MAX_LABS ?? 2_000);
const stateDir = await mkdtemp(join(tmpdir(), 'smtp-lab-class-'));
const bridge = await startBridge({
  host: '127.0.0.1',
  httpPort: 0,
  smtpPort: 0,
  smtpsPort: 0,
  stateDir,
  // Every learner of this class comes from 127.0.0.1: the per-address limit is the only one raised.
  hosted: { limits: { labsPerAddress: maxLabs, maxLabs } },
});
const directory = bridge.directory;
if (!directory) throw new Error('the bridge is not in hosted mode');

const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();
let utilisationFrom = performance.eventLoopUtilization();

/** Several full collections, with turns of the loop between them so finalisers and weak refs settle. */
async function collect(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function stats(full: boolean): Promise<ClassBridgeStats> {
  if (full) await collect();
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  const ns = (value: number) => value / 1e6;
  return {
    labs: directory?.size ?? 0,
    heapUsed: memory.heapUsed,
    external: memory.external,
    rss: memory.rss,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    loopDelay: { p50: ns(delay.percentile(50)), p99: ns(delay.percentile(99)), max: ns(delay.max) },
    loopUtilisation: performance.eventLoopUtilization(utilisationFrom).utilization,
    openHandles: (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length,
    pairs: { ...pairStats },
  };
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await bridge.close();
  await rm(stateDir, { recursive: true, force: true });
}

process.on('message', (request: ClassBridgeRequest) => {
  void (async () => {
    switch (request.type) {
      case 'stats':
        send({ type: 'stats', id: request.id, stats: await stats(request.gc) });
        return;
      case 'reset':
        delay.reset();
        Object.assign(pairStats, { made: 0, mostAtOnce: pairsInFlight, slow: 0, failed: 0, lastError: '' });
        utilisationFrom = performance.eventLoopUtilization();
        send({ type: 'done', id: request.id });
        return;
      case 'stop':
        await stop();
        send({ type: 'done', id: request.id });
        process.disconnect();
        return;
    }
  })();
});
// The driver went away (it crashed or was stopped): do not outlive it.
process.on('disconnect', () => void stop().finally(() => process.exit(0)));

send({ type: 'ready', webUrl: bridge.webUrl, maxLabs });
