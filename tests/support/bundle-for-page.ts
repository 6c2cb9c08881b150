/**
 * One app module bundled with its dependencies into a script a blank Chromium page can run, so a
 * test can try the module in a real DOM (the browser the learner uses) without the whole lab.
 */
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../bridge/app-build';

/** Bundles `entry` (relative to the project) as a script that sets `window[globalName]` to its exports. */
export async function bundleForPage(entry: string, globalName: string): Promise<string> {
  const { build } = await import('vite');
  const output = await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      write: false,
      minify: false,
      lib: { entry: join(PROJECT_ROOT, entry), formats: ['iife'], name: globalName, fileName: 'bundle' },
    },
  });
  const results = Array.isArray(output) ? output : [output];
  for (const result of results) {
    if (!('output' in result)) continue;
    const chunk = result.output.find((item) => item.type === 'chunk');
    if (chunk && chunk.type === 'chunk') return chunk.code;
  }
  throw new Error(`bundling ${entry} produced no script`);
}
