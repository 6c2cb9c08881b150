/**
 * A local bridge that profiles itself on request, for `npm run bench -- --intake --profile`. Run
 * as `node --import tsx bench/profiled-bridge.ts <checkout> <state dir>` with an IPC channel: it
 * starts that checkout's bridge (this one's, or another revision's worktree; `bare` for a bare
 * smtp-server, the floor to compare with), says where it listens, and on 'start' / 'stop' runs V8's sampling profiler over exactly the span the bench
 * asks for (the client's run, not the start-up, the warm-up or the relay's catch-up after it).
 */
import { Session } from 'node:inspector/promises';
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cpuTimesOf } from './bridge-process';
import { startPlainSmtpServer } from './plain-smtp-server';

export type ProfilerCommand = { type: 'start' } | { type: 'stop'; file: string };
export type ProfilerReport =
  | { type: 'listening'; smtpPort: number; webUrl: string }
  | { type: 'started' }
  /**
   * `cpuMicros`: the whole process (every thread), from start to stop; `main`: the main thread's
   * own user and system time (the one the profiler samples); `others`: every other thread's CPU,
   * busiest first; `helpers`: the part of it in threads that ran before the first message (V8's
   * compiler and GC helpers: the pool's workers start with the first message that needs them);
   * `profiler`: the thread V8's profiler starts to take its samples (not in `others`).
   */
  | { type: 'stopped'; cpuMicros: number; systemMicros: number; main: { userMicros: number; systemMicros: number } | null; others: number[]; helpers: number; profiler: number };

/** Microseconds between samples: fine enough for stages of tens of µs a message over thousands of messages. */
const SAMPLING_INTERVAL_US = 250;

const [root, stateDir] = process.argv.slice(2);
if (!root || !stateDir || !process.send) throw new Error('usage: node --import tsx bench/profiled-bridge.ts <checkout> <state dir>, with an IPC channel');
process.env.SMTP_LAB_LOG = 'quiet';
const bridge = root === 'bare' ? await bareServer() : await startBridgeOf(root);
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
let cpuAtStart = process.cpuUsage();
let threadsAtStart = threadTimes();
/** Threads there before any mail: the main one and V8's platform threads (compiling, collecting garbage). */
const startUpThreads = new Set(threadsAtStart.keys());
/** The thread the profiler starts with each run, to take its samples. */
let profilerThreads = new Set<string>();

const report = (message: ProfilerReport) => process.send?.(message);
process.on('message', (command: ProfilerCommand) => {
  void (async () => {
    if (command.type === 'start') {
      const before = new Set(threadTimes().keys());
      await session.post('Profiler.start');
      cpuAtStart = process.cpuUsage();
      threadsAtStart = threadTimes();
      profilerThreads = new Set([...threadsAtStart.keys()].filter((tid) => !before.has(tid)));
      report({ type: 'started' });
    } else {
      const cpu = process.cpuUsage(cpuAtStart);
      const threads = threadTimes();
      const { profile } = await session.post('Profiler.stop');
      await writeFile(command.file, JSON.stringify(profile));
      const spent = (tid: string) => {
        const [user = 0, system = 0] = threads.get(tid) ?? [];
        const [userBefore = 0, systemBefore = 0] = threadsAtStart.get(tid) ?? [];
        return { userMicros: user - userBefore, systemMicros: system - systemBefore };
      };
      const mainTid = String(process.pid);
      const main = threads.has(mainTid) ? spent(mainTid) : null;
      const total = (tid: string) => spent(tid).userMicros + spent(tid).systemMicros;
      const otherTids = [...threads.keys()].filter((tid) => tid !== mainTid && !profilerThreads.has(tid));
      const others = otherTids.map(total).sort((a, b) => b - a);
      const helpers = otherTids.filter((tid) => startUpThreads.has(tid)).reduce((sum, tid) => sum + total(tid), 0);
      const profiler = [...profilerThreads].filter((tid) => threads.has(tid)).reduce((sum, tid) => sum + total(tid), 0);
      report({ type: 'stopped', cpuMicros: cpu.user + cpu.system, systemMicros: cpu.system, main, others, helpers, profiler });
    }
  })();
});
process.on('disconnect', () => void bridge.close().finally(() => process.exit(0)));
report({ type: 'listening', smtpPort: bridge.smtp.port, webUrl: bridge.webUrl });

/** User and system µs of each thread of this process, by thread id (empty without /proc). */
function threadTimes(): Map<string, [number, number]> {
  const times = new Map<string, [number, number]>();
  let tids: string[] = [];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    // No /proc: the main thread's share is not known.
  }
  for (const tid of tids) {
    const [user, system] = cpuTimesOf(`/proc/self/task/${tid}/stat`);
    // A thread that ended between the listing and the read gives NaN.
    if (Number.isFinite(user)) times.set(tid, [user * 1e6, system * 1e6]);
  }
  return times;
}

async function startBridgeOf(checkout: string) {
  const { startBridge } = (await import(pathToFileURL(join(checkout, 'bridge', 'server.ts')).href)) as typeof import('../bridge/server');
  return startBridge({ host: '127.0.0.1', httpPort: 0, smtpPort: 0, smtpsPort: 0, stateDir: stateDir ?? '' });
}

/** A bare smtp-server: no web side, so no webUrl. */
async function bareServer() {
  const { port, close } = await startPlainSmtpServer();
  return { smtp: { port }, webUrl: '', close };
}
