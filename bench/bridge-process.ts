/** Runs the bridge in its own process, as `npm start` does, so the benchmark client does not share its event loop. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../bridge/app-build';

export interface BridgeProcess {
  webUrl: string;
  smtp: { host: string; port: number };
  stop(): Promise<void>;
}

export async function spawnBridge(): Promise<BridgeProcess> {
  const stateDir = await mkdtemp(join(tmpdir(), 'smtp-lab-bench-'));
  return spawnServer(['bridge/cli.ts', '--http-port', '0', '--smtp-port', '0', '--smtps-port', '0', '--no-build', '--state-dir', stateDir], stateDir);
}

/** A bare smtp-server in its own process; only `smtp` is meaningful. */
export function spawnPlainSmtpServer(): Promise<BridgeProcess> {
  return spawnServer(['bench/plain-smtp-server.ts'], null);
}

async function spawnServer(args: string[], stateDir: string | null): Promise<BridgeProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, SMTP_LAB_LOG: 'quiet' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const output = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (/smtp: \S+/.test(text)) resolve(text);
    });
    child.once('exit', (code) => reject(new Error(`bridge exited with ${code} before listening`)));
  });
  const web = /web: (\S+)/.exec(output)?.[1];
  const smtp = /smtp: (\S+):(\d+)/.exec(output);
  if (!smtp) throw new Error(`unexpected output: ${output}`);
  return {
    webUrl: web ?? '',
    smtp: { host: smtp[1] ?? '127.0.0.1', port: Number(smtp[2]) },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      if (stateDir) await rm(stateDir, { recursive: true, force: true });
    },
  };
}
