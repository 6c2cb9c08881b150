/** Debian's chromium driven by playwright-core, with a fresh profile each time. No browser download. */
import { chromium, type BrowserContext } from 'playwright-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM_PATH = process.env.SMTP_LAB_CHROMIUM ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** `touch`: a phone's touch screen (touch events, and a page the fingers can pinch-zoom). */
export async function launchBrowser(viewport = { width: 1440, height: 900 }, touch = false): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'smtp-lab-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport,
    ...(touch ? { hasTouch: true, isMobile: true } : {}),
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}
