/**
 * Postfix's smtp-source as a load client. It comes from Debian's postfix package, unpacked with
 * `apt-get download` + `dpkg -x` into a cache directory, so no mail server is installed or started.
 * Its shared libraries sit in the package's usr/lib/postfix, hence LD_LIBRARY_PATH.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../bridge/app-build';

const run = promisify(execFile);

export const CACHE_DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'smtp-lab-bench', 'postfix');

export interface SmtpSource {
  binary: string;
  libDir: string;
}

export interface SmtpSourceRun {
  port: number;
  /** Sessions run in parallel (`-s`). */
  sessions: number;
  /** Message size in bytes (`-l`). */
  size: number;
  /** Messages in all (`-m`). */
  messages: number;
  /** Envelope recipient (`-t`). */
  to: string;
  /** Kill smtp-source after this long: a bench must stop by itself. */
  timeoutMs: number;
}

/** The commands a person can run by hand when the bench cannot fetch smtp-source itself. */
export function manualSteps(): string {
  return [
    `  mkdir -p ${CACHE_DIR} && cd ${CACHE_DIR}`,
    '  apt-get update && apt-get download postfix',
    '  dpkg -x postfix_*.deb extracted',
  ].join('\n');
}

/** Finds smtp-source in the cache, fetching and unpacking it first if needed; null (with why) if it cannot be had. */
export async function obtainSmtpSource(): Promise<SmtpSource | { missing: string }> {
  const extracted = join(CACHE_DIR, 'extracted');
  const tool: SmtpSource = { binary: join(extracted, 'usr/sbin/smtp-source'), libDir: join(extracted, 'usr/lib/postfix') };
  if (existsSync(tool.binary)) return tool;
  if (process.platform !== 'linux') return { missing: 'smtp-source is taken from a Debian package: Linux only' };
  try {
    await run('sh', ['-c', 'command -v apt-get && command -v dpkg']);
  } catch {
    return { missing: 'apt-get and dpkg are not available' };
  }
  await mkdir(CACHE_DIR, { recursive: true });
  try {
    try {
      await run('apt-get', ['download', 'postfix'], { cwd: CACHE_DIR, timeout: 120_000 });
    } catch {
      // A fresh container has no package lists yet; updating them needs root.
      await run('apt-get', ['update'], { timeout: 180_000 });
      await run('apt-get', ['download', 'postfix'], { cwd: CACHE_DIR, timeout: 120_000 });
    }
    const deb = (await readdir(CACHE_DIR)).find((name) => /^postfix_.*\.deb$/.test(name));
    if (!deb) return { missing: 'apt-get download postfix left no .deb behind' };
    await rm(extracted, { recursive: true, force: true });
    await run('dpkg', ['-x', join(CACHE_DIR, deb), extracted], { timeout: 60_000 });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { missing: `could not fetch postfix (${reason})` };
  }
  return existsSync(tool.binary) ? tool : { missing: 'the postfix package holds no usr/sbin/smtp-source' };
}

/** One smtp-source run; resolves with the wall time in seconds, rejects if anything went wrong. */
export function runSmtpSource(tool: SmtpSource, options: SmtpSourceRun): Promise<number> {
  const args = [
    '-d', // keep each session open for the next message
    '-s', String(options.sessions),
    '-l', String(options.size),
    '-m', String(options.messages),
    '-f', 'from@lab.test',
    '-t', options.to,
    `127.0.0.1:${options.port}`,
  ];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(tool.binary, args, {
      env: { ...process.env, LD_LIBRARY_PATH: tool.libDir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      // smtp-source reports every refused or failed message on stderr: a run with any is no figure.
      if (code === 0 && stderr.trim() === '') resolve(seconds);
      else reject(new Error(`smtp-source ${signal ? `killed (${signal}) after ${options.timeoutMs} ms` : `exited ${code}`}: ${stderr.trim().slice(0, 400)}`));
    });
  });
}
