/**
 * Builds the app once before any test file runs. Files that serve pages (browser tests, hosted
 * mode) would otherwise race to build it, and Vite empties the output folder as it starts.
 */
import { ensureAppBuilt } from '../../bridge/app-build';

export default async function setup(): Promise<void> {
  await ensureAppBuilt();
}
