/**
 * A phone's touch screen (390×844, touch input sent the way Chromium gets it from a screen): two
 * fingers pinching a diagram zoom that diagram, around the point between them, and the page itself
 * keeps its scale; one finger dragging pans the diagram.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CDPSession, Locator, Page } from 'playwright-core';
import { openLabPage, type LabPage } from '../support/lab-page';

let lab: LabPage;
let page: Page;
let cdp: CDPSession;

beforeAll(async () => {
  lab = await openLabPage({ width: 390, height: 844, touch: true });
  ({ page } = lab);
  cdp = await page.context().newCDPSession(page);
}, 180_000);

afterAll(() => lab?.close());

type Finger = { x: number; y: number };

/** Fingers down at `from`, moved in steps to `to`, then lifted: one touch point per finger. */
async function gesture(from: Finger[], to: Finger[]): Promise<void> {
  const at = (share: number) => from.map((f, i) => ({ x: f.x + ((to[i] ?? f).x - f.x) * share, y: f.y + ((to[i] ?? f).y - f.y) * share, id: i }));
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(0) });
  for (let step = 1; step <= 12; step++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at(step / 12) });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
}

function viewOf(viewport: Locator): Promise<{ zoom: number; left: number; top: number; pageScale: number }> {
  return viewport.evaluate((el) => ({
    zoom: Number(el.getAttribute('data-zoom')),
    left: el.scrollLeft,
    top: el.scrollTop,
    pageScale: window.visualViewport?.scale ?? 1,
  }));
}

async function centreOf(viewport: Locator): Promise<Finger> {
  const box = await viewport.boundingBox();
  if (!box) throw new Error('diagram not drawn');
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

async function pinchAndDrag(viewport: Locator): Promise<void> {
  const start = await viewOf(viewport);
  expect(start.pageScale).toBe(1);
  const c = await centreOf(viewport);

  // Fingers 40 px apart spread to 160 px: four times the distance.
  await gesture([{ x: c.x - 20, y: c.y }, { x: c.x + 20, y: c.y }], [{ x: c.x - 80, y: c.y }, { x: c.x + 80, y: c.y }]);
  const pinched = await viewOf(viewport);
  expect(pinched.zoom).toBeGreaterThan(start.zoom * 2);
  expect(pinched.pageScale).toBe(1);

  // One finger drags the zoomed drawing: up and to the left shows what lies down and to the right.
  await gesture([{ x: c.x + 60, y: c.y + 60 }], [{ x: c.x - 60, y: c.y - 40 }]);
  const dragged = await viewOf(viewport);
  expect(dragged.left).toBeGreaterThan(pinched.left + 60);
  expect(dragged.top).toBeGreaterThan(pinched.top + 50);
  expect(dragged.zoom).toBe(pinched.zoom);
  expect(dragged.pageScale).toBe(1);

  // Pinching in zooms back out, never below the readable minimum.
  await gesture([{ x: c.x - 80, y: c.y }, { x: c.x + 80, y: c.y }], [{ x: c.x - 10, y: c.y }, { x: c.x + 10, y: c.y }]);
  const back = await viewOf(viewport);
  expect(back.zoom).toBeLessThan(pinched.zoom / 2);
  expect(back.zoom).toBeGreaterThanOrEqual(1);
  expect(back.pageScale).toBe(1);
}

describe('touch on a phone', () => {
  it('pinches the statechart, not the page, and drags it with one finger', async () => {
    await page.getByTestId('pane-diagram').click();
    await page.locator('[data-testid="statechart"] svg [data-state]').first().waitFor();
    await pinchAndDrag(page.locator('[data-testid="statechart"] [data-testid="diagram-viewport"]'));
    await lab.screenshot('touch-statechart-pinched');
  });

  it('pinches the ladder, not the page, and drags it with one finger', async () => {
    await page.getByTestId('pane-terminal').click();
    await page.getByTestId('connect').click();
    const input = page.getByTestId('terminal-input');
    await expect.poll(() => page.getByTestId('terminal-reply').first().textContent(), { timeout: 10_000 }).toMatch(/220/);
    for (const line of ['EHLO phone.test', 'MAIL FROM:<learner@lab.test>', 'RCPT TO:<alice@example.test>', 'RSET', 'NOOP', 'NOOP', 'NOOP']) {
      await input.fill(line);
      await input.press('Enter');
    }
    await page.getByTestId('pane-transcript').click();
    await page.getByTestId('ladder-tab').click();
    await expect.poll(() => page.getByTestId('ladder-arrow').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(15);
    await pinchAndDrag(page.locator('section.ladder [data-testid="diagram-viewport"]'));
  });
});
