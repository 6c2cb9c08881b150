/**
 * One lab for a browser test: the app built, a bridge started, Chromium open on it with the
 * viewport the test is about, and the page connected. Every e2e file starts this way.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { ensureAppBuilt, PROJECT_ROOT } from '../../bridge/app-build';
import { launchBrowser, type TestBrowser } from './browser';
import { startTestBridge, type TestBridge } from './lab-process';

export interface LabPage {
  bridge: TestBridge;
  browser: TestBrowser;
  page: Page;
  /** Saves what the page shows now as test-results/<name>.png, for a human to look at. */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

export interface LabPageOptions {
  width: number;
  height: number;
  /** A touch screen, as on a phone. */
  touch?: boolean;
  /** Runs before the app loads, for listeners that must not miss its first request or event. */
  beforeLoad?: (lab: { bridge: TestBridge; page: Page }) => void;
}

const SCREENSHOTS = join(PROJECT_ROOT, 'test-results');

export async function openLabPage({ width, height, touch = false, beforeLoad }: LabPageOptions): Promise<LabPage> {
  await ensureAppBuilt();
  const bridge = await startTestBridge();
  let browser: TestBrowser | undefined;
  try {
    browser = await launchBrowser({ width, height }, touch);
    const page = await browser.context.newPage();
    beforeLoad?.({ bridge, page });
    await page.goto(bridge.webUrl);
    await page.getByTestId('connection-status').filter({ hasText: /connected/i }).waitFor();
    const opened = browser;
    return {
      bridge,
      browser: opened,
      page,
      async screenshot(name) {
        await mkdir(SCREENSHOTS, { recursive: true });
        await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
      },
      async close() {
        await opened.close();
        await bridge.close();
      },
    };
  } catch (error) {
    // A lab that never opened has no afterAll to close it.
    await browser?.close();
    await bridge.close();
    throw error;
  }
}

/** The viewport most browser tests are about: a laptop screen. */
const LAPTOP = { width: 1366, height: 768 };

/**
 * One lab page for all the tests of a file: opened before them, closed after them. `keep` hears it
 * once open, for the file's own `lab` and `page`.
 */
export function labPageForFile(keep: (opened: { lab: LabPage; page: Page }) => void, options: LabPageOptions = LAPTOP): void {
  let lab: LabPage | undefined;
  beforeAll(async () => {
    lab = await openLabPage(options);
    keep({ lab, page: lab.page });
  }, 180_000);
  afterAll(() => lab?.close());
}
