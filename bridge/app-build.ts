/**
 * `npm start` builds the app unless dist/app holds a production build of the current sources. The
 * build says what it is in a stamp beside it (build-stamp.json, written by the build itself): its
 * mode and a hash of every source it was made from. A build made under the test environment (a
 * development build of Svelte) or from other sources is rebuilt, whatever the files' dates say.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log } from './log';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const APP_BUILD_DIR = join(PROJECT_ROOT, 'dist', 'app');
export const BUILD_STAMP_FILE = 'build-stamp.json';

/** Everything the built app is made from, relative to the project root. */
export const APP_SOURCES = [
  'app',
  'core',
  'lessons',
  'vite.config.ts',
  'vite-plugins',
  'bridge/web/precompressed.ts',
  'package.json',
  'package-lock.json',
];

export interface BuildStamp {
  /** Vite's mode, and whether it built for production (Svelte's production code, minified). */
  mode: string;
  production: boolean;
  /** hashSources() when the build started. */
  sources: string;
}

async function filesOf(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOTDIR') return null;
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (entries === null) return [path];
  const nested = await Promise.all(
    entries.filter((entry) => entry.name !== 'node_modules').map((entry) => filesOf(join(path, entry.name))),
  );
  return nested.flat();
}

/** A hash of the names and contents of every source file: dates play no part. */
export async function hashSources(root = PROJECT_ROOT, sources: readonly string[] = APP_SOURCES): Promise<string> {
  const files = (await Promise.all(sources.map((source) => filesOf(join(root, source))))).flat();
  const named = files.map((file) => ({ file, name: relative(root, file).split(sep).join('/') })).sort((a, b) => (a.name < b.name ? -1 : 1));
  const hash = createHash('sha256');
  for (const { file, name } of named) {
    const content = await readFile(file);
    hash.update(`${name}\0${content.length}\0`).update(content);
  }
  return hash.digest('hex');
}

export async function readBuildStamp(buildDir = APP_BUILD_DIR): Promise<BuildStamp | null> {
  try {
    const stamp = JSON.parse(await readFile(join(buildDir, BUILD_STAMP_FILE), 'utf8')) as Partial<BuildStamp>;
    if (typeof stamp.mode !== 'string' || typeof stamp.production !== 'boolean' || typeof stamp.sources !== 'string') return null;
    return { mode: stamp.mode, production: stamp.production, sources: stamp.sources };
  } catch {
    return null;
  }
}

/** Why the build in `buildDir` must be made again, or null when it is a production build of the current sources. */
export async function appBuildStaleReason(options: { root?: string; buildDir?: string; sources?: readonly string[] } = {}): Promise<string | null> {
  const buildDir = options.buildDir ?? APP_BUILD_DIR;
  const index = await readFile(join(buildDir, 'index.html')).catch(() => null);
  if (!index) return 'no build yet';
  const stamp = await readBuildStamp(buildDir);
  if (!stamp) return 'the build has no stamp saying what it is';
  if (!stamp.production) return 'the build is not a production build (NODE_ENV was not production, as under the tests)';
  if (stamp.mode !== 'production') return `the build was made in ${stamp.mode} mode, not production`;
  if (stamp.sources !== (await hashSources(options.root, options.sources))) return 'the sources changed since it was built';
  return null;
}

/**
 * Builds with Vite when needed; returns true if it built. Always a production build, even when
 * called under the test runner (NODE_ENV=test would otherwise give Svelte's development build), so
 * the build the tests used is the one `npm start` serves.
 */
export async function ensureAppBuilt(): Promise<boolean> {
  const reason = await appBuildStaleReason();
  if (reason === null) return false;
  log('info', `building the app (${reason})…`);
  const started = Date.now();
  const { build } = await import('vite');
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(PROJECT_ROOT, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  log('info', `app built in ${Date.now() - started} ms`);
  return true;
}
