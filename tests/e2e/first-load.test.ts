/**
 * The first load in Chromium: the page asks for the first screen's scripts only, each later view's
 * code arrives when the learner first opens it, and a view whose code cannot be fetched (the lab
 * restarted with a new build under an open tab) says so instead of staying blank.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openLabPage, type LabPage } from '../support/lab-page';

let lab: LabPage;
let page: Page;
/** Paths of every script the page asked for. */
const scripts: string[] = [];
const asked = (name: string) => scripts.some((path) => path.startsWith(`/assets/${name}-`));

beforeAll(async () => {
  lab = await openLabPage({
    width: 1366,
    height: 768,
    beforeLoad: ({ page }) =>
      page.on('request', (request) => {
        const path = new URL(request.url()).pathname;
        if (path.endsWith('.js')) scripts.push(path);
      }),
  });
  ({ page } = lab);
}, 180_000);

afterAll(() => lab?.close());

describe('the first load', () => {
  it('fetches the inbox, the world and the lessons only when first opened', async () => {
    await page.getByTestId('terminal-input').waitFor();
    for (const later of ['InboxView', 'WorldView', 'LessonPanel', 'ComposePanel', 'LadderPanel']) expect(asked(later), later).toBe(false);

    await page.getByTestId('world-tab').click();
    await page.getByTestId('world-page').waitFor();
    expect(asked('WorldView')).toBe(true);
    expect(asked('InboxView')).toBe(false);

    await page.getByTestId('lessons-tab').click();
    await page.getByTestId('lesson-panel').waitFor();
    expect(asked('LessonPanel')).toBe(true);
  });

  it('says so when a view cannot be fetched, and shows it once it can', async () => {
    await page.route('**/assets/InboxView-*', (route) => route.abort());
    await page.getByTestId('inbox-tab').click();
    await expect.poll(() => page.getByTestId('load-failed').textContent()).toMatch(/could not be loaded.*reload the page/s);
    await page.unroute('**/assets/InboxView-*');
    await page.reload();
    await page.getByTestId('inbox-tab').click();
    await page.getByRole('main', { name: 'Inbox' }).waitFor();
    expect(await page.getByTestId('load-failed').count()).toBe(0);
  });
});
