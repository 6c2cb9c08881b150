/**
 * The build the tests made keeps the first load small: the scripts the page names (its module and
 * the modules preloaded with it) stay within the goal as gzip, every text file has its compressed
 * copies, and what belongs to later views is not among them.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { APP_BUILD_DIR } from '../../bridge/app-build';
import { ENCODED_SUFFIX } from '../../bridge/web/precompressed';
import { FIRST_LOAD_GOALS } from '../../bench/page-load';

async function firstScreenScripts(): Promise<string[]> {
  const html = await readFile(join(APP_BUILD_DIR, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g), ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)];
  return scripts.map((match) => match[1] ?? '');
}

describe('the first load of the built app', () => {
  it(`needs at most ${FIRST_LOAD_GOALS.firstScreenJsGzip / 1024} KB of JavaScript (gzip) for its first screen`, async () => {
    const scripts = await firstScreenScripts();
    expect(scripts.length).toBeGreaterThan(0);
    const sizes = await Promise.all(scripts.map(async (path) => (await stat(join(APP_BUILD_DIR, path + ENCODED_SUFFIX.gzip))).size));
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBeLessThanOrEqual(FIRST_LOAD_GOALS.firstScreenJsGzip);
  });

  it('leaves the later views to chunks of their own, loaded when first shown', async () => {
    const scripts = (await firstScreenScripts()).join(' ');
    const assets = await readdir(join(APP_BUILD_DIR, 'assets'));
    for (const later of ['statechart-layout', 'InboxView', 'WorldView', 'LessonPanel', 'ComposePanel', 'LadderPanel', 'JourneyPanel', 'message-reading', 'explainer-catalog']) {
      expect(assets.some((name) => name.startsWith(`${later}-`) && name.endsWith('.js')), later).toBe(true);
      expect(scripts, later).not.toContain(`/${later}-`);
    }
  });

  it('has a brotli and a gzip copy of the page and of every script and stylesheet that compression makes smaller', async () => {
    const assets = (await readdir(join(APP_BUILD_DIR, 'assets'))).filter((name) => /\.(js|css)$/.test(name));
    let copies = 0;
    for (const file of ['index.html', ...assets.map((name) => join('assets', name))]) {
      const raw = await readFile(join(APP_BUILD_DIR, file));
      // A chunk of a few dozen bytes only grows when compressed: it is served as it is.
      const smaller = { br: brotliCompressSync(raw).length < raw.length, gzip: gzipSync(raw).length < raw.length };
      for (const [encoding, suffix] of Object.entries(ENCODED_SUFFIX) as Array<[keyof typeof smaller, string]>) {
        const present = (await stat(join(APP_BUILD_DIR, file + suffix)).catch(() => null))?.isFile() ?? false;
        if (smaller[encoding]) expect(present, file + suffix).toBe(true);
        if (present) copies++;
      }
    }
    expect(copies).toBeGreaterThan(assets.length);
  });
});
