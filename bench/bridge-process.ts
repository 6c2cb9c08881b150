/** Runs the bridge in its own process, as `npm start` does, so the benchmark client does not share its event loop. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../bridge/app-build';

export interface BridgeProcess {
  webUrl: string;
  smtp: { host: string; port: number };
  /** CPU seconds the process has used so far (user + system); NaN where /proc is not there. */
  cpuSeconds(): number;
  /** SIGTERM, then SIGKILL after `graceMs` (a profile is only written on a clean exit). */
  stop(graceMs?: number): Promise<void>;
}

/**
 * CPU time of a process from /proc: unlike wall time it hardly moves when other work shares the
 * machine, so CPU per message compares targets fairly on a busy box.
 */
export function cpuSecondsOf(pid: number | undefined): number {
  const [user, system] = cpuTimesOf(`/proc/${pid}/stat`);
  return user + system;
}

/** User and system CPU seconds from a /proc stat file (a process's, or a thread's under task/); NaN where it cannot be read. */
export function cpuTimesOf(statFile: string): [number, number] {
  try {
    const stat = readFileSync(statFile, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [Number(fields[11]) / CLOCK_TICKS, Number(fields[12]) / CLOCK_TICKS];
  } catch {
    return [NaN, NaN];
  }
}
/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS = 100;

/**
 * `nodeArgs` go to node itself, e.g. `--cpu-prof` to profile the bridge under load. `root` is the
 * checkout whose bridge runs: another revision's, to compare against this one. `bridgeArgs` go to
 * the bridge, e.g. `--no-persist` or `--relay-idle-ms 0`.
 */
export async function spawnBridge(nodeArgs: string[] = [], root = PROJECT_ROOT, bridgeArgs: string[] = []): Promise<BridgeProcess> {
  const stateDir = await mkdtemp(join(tmpdir(), 'smtp-lab-bench-'));
  const args = ['bridge/cli.ts', '--http-port', '0', '--smtp-port', '0', '--smtps-port', '0', '--no-build', '--state-dir', stateDir, ...bridgeArgs];
  return spawnServer([...nodeArgs, '--import', 'tsx', ...args], stateDir, root);
}

/** A bare smtp-server in its own process; only `smtp` is meaningful. */
export function spawnPlainSmtpServer(nodeArgs: string[] = []): Promise<BridgeProcess> {
  return spawnServer([...nodeArgs, '--import', 'tsx', 'bench/plain-smtp-server.ts'], null);
}

async function spawnServer(args: string[], stateDir: string | null, root = PROJECT_ROOT): Promise<BridgeProcess> {
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, SMTP_LAB_LOG: 'quiet' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output: string;
  try {
    output = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (/smtp: \S+/.test(text)) resolve(text);
      });
      child.once('exit', (code) => reject(new Error(`bridge exited with ${code} before listening`)));
      setTimeout(() => reject(new Error('bridge did not listen within 30 s')), 30_000).unref();
    });
  } catch (error) {
    child.kill('SIGKILL');
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
    throw error;
  }
  const web = /web: (\S+)/.exec(output)?.[1];
  const smtp = /smtp: (\S+):(\d+)/.exec(output);
  if (!smtp) throw new Error(`unexpected output: ${output}`);
  return {
    webUrl: web ?? '',
    smtp: { host: smtp[1] ?? '127.0.0.1', port: Number(smtp[2]) },
    cpuSeconds: () => cpuSecondsOf(child.pid),
    async stop(graceMs = 5_000) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        // A process busy with load may be slow to close; it must not hold the bench open.
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      if (stateDir) await rm(stateDir, { recursive: true, force: true });
    },
  };
}
