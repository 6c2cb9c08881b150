/**
 * The bridge as `npm start` runs it, in a child process of its own, on a state and data directory
 * the test keeps: to stop it the ways it gets stopped (SIGTERM, SIGKILL) and start it again on
 * what it left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { PROJECT_ROOT } from '../../bridge/app-build';

export interface BridgeChild {
  readonly webUrl: string;
  readonly smtp: { port: number };
  /** Resolves with the exit code, or the signal that ended the process. */
  readonly exited: Promise<number | string>;
  /** SIGTERM: the bridge closes its connections and its database, then exits. */
  terminate(): Promise<number | string>;
  /** SIGKILL: the process ends at once, mid-write if it was writing. */
  kill(): Promise<number | string>;
}

/** `args`: command-line options besides the ports (0), --no-build and the quiet log. */
export async function startBridgeChild(args: readonly string[]): Promise<BridgeChild> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'bridge/cli.ts', '--http-port', '0', '--smtp-port', '0', '--smtps-port', '0', '--no-build', ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, SMTP_LAB_LOG: 'quiet' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? '?')));
  const output = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (/smtps: \S+/.test(text)) resolve(text);
    });
    void exited.then((code) => reject(new Error(`the bridge exited (${code}) before listening: ${errors}`)));
    setTimeout(() => reject(new Error(`the bridge did not listen within 30 s: ${errors}`)), 30_000).unref();
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  const web = /web: (\S+)/.exec(output)?.[1] ?? '';
  const smtp = /smtp: \S+:(\d+)/.exec(output)?.[1];
  const stop = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return { webUrl: web, smtp: { port: Number(smtp) }, exited, terminate: () => stop('SIGTERM'), kill: () => stop('SIGKILL') };
}
