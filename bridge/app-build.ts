/** `npm start` builds the app when the build is missing or older than its sources. */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log } from './log';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const APP_BUILD_DIR = join(PROJECT_ROOT, 'dist', 'app');

/** Everything the built app is made from. */
const SOURCES = ['app', 'core', 'lessons', 'vite.config.ts', 'package-lock.json'];

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) {
    if (entry === 'node_modules') continue;
    newest = Math.max(newest, await newestMtime(join(path, entry)));
  }
  return newest;
}

export async function appBuildIsStale(): Promise<boolean> {
  const built = await stat(join(APP_BUILD_DIR, 'index.html')).catch(() => null);
  if (!built) return true;
  let newest = 0;
  for (const source of SOURCES) newest = Math.max(newest, await newestMtime(join(PROJECT_ROOT, source)));
  return newest > built.mtimeMs;
}

/** Builds with Vite when needed; returns true if it built. */
export async function ensureAppBuilt(): Promise<boolean> {
  if (!(await appBuildIsStale())) return false;
  log('info', 'building the app (missing or older than its sources)…');
  const started = Date.now();
  const { build } = await import('vite');
  await build({ configFile: join(PROJECT_ROOT, 'vite.config.ts'), logLevel: 'warn' });
  log('info', `app built in ${Date.now() - started} ms`);
  return true;
}
