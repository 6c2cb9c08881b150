/**
 * Writes dist/app/build-stamp.json after each build: its mode and the hash of the sources it was
 * made from (taken as the build starts), so `npm start` can tell a production build of the current
 * sources from any other (bridge/app-build.ts).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Plugin } from 'vite';
import { BUILD_STAMP_FILE, hashSources, type BuildStamp } from '../bridge/app-build';

export function buildStamp(): Plugin {
  let outDir = '';
  let stamp: Promise<BuildStamp> | undefined;
  let failed = false;
  return {
    name: 'smtp-lab:build-stamp',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
      stamp = hashSources().then((sources) => ({ mode: config.mode, production: config.isProduction, sources }));
    },
    buildEnd(error) {
      failed = error !== undefined;
    },
    // Last, once every other plugin (the compressed copies) is done: a stamp means a finished build.
    closeBundle: {
      order: 'post',
      sequential: true,
      async handler() {
        if (stamp && !failed) await writeFile(join(outDir, BUILD_STAMP_FILE), JSON.stringify(await stamp, null, 2) + '\n');
      },
    },
  };
}
