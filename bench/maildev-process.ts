/**
 * MailDev (the npm package) in its own process, bound to loopback, as a reference that keeps and
 * parses every message like the lab. Its web UI gets a free port of its own so nothing collides.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../bridge/app-build';
import { cpuSecondsOf, type BridgeProcess } from './bridge-process';

/** The lab keeps 500 messages; MailDev is given the same bound so both do the same work. */
const MAX_EMAILS = 500;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The path of MailDev's command-line entry, or null when the package is not installed. */
export function mailDevBinary(): string | null {
  // Its exports map hides package.json and the bin file from require.resolve; the bin field does not.
  const root = join(PROJECT_ROOT, 'node_modules', 'maildev');
  try {
    const { bin } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
    return bin?.maildev ? join(root, bin.maildev) : null;
  } catch {
    return null;
  }
}

export async function spawnMailDev(binary: string): Promise<BridgeProcess> {
  const [smtpPort, webPort] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [binary, '--smtp', String(smtpPort), '--ip', '127.0.0.1', '--web', String(webPort), '--web-ip', '127.0.0.1', '--max-emails', String(MAX_EMAILS), '--silent'],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const stop = async () => {
    if (!exited) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exit;
    clearTimeout(timer);
  };
  try {
    await waitForGreeting(smtpPort, 20_000, () => exited);
  } catch (error) {
    await stop();
    throw error;
  }
  return { webUrl: `http://127.0.0.1:${webPort}/`, smtp: { host: '127.0.0.1', port: smtpPort }, cpuSeconds: () => cpuSecondsOf(child.pid), stop };
}

/** Polls until the port answers with a 220 greeting: MailDev prints nothing once --silent. */
async function waitForGreeting(port: number, timeoutMs: number, gone: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone()) throw new Error('MailDev exited before listening');
    const greeted = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.setTimeout(1_000, () => socket.destroy());
      socket.once('data', (chunk: Buffer) => {
        socket.end('QUIT\r\n');
        resolve(chunk.toString().startsWith('220'));
      });
      socket.once('error', () => resolve(false));
      socket.once('close', () => resolve(false));
    });
    if (greeted) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`MailDev did not greet on port ${port} within ${timeoutMs} ms`);
}
