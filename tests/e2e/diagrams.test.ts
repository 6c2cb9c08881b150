/**
 * Readable diagrams on a laptop screen (1366×768) in a real Chromium: every label of the session
 * statechart, of the journey beside a map of three hops, and of the ladder is at least 11 px on
 * screen; no arrow runs through any text of any of them (state names, the label of the transition
 * just taken, the ladder's lines); and each diagram pans and zooms (buttons, keys, wheel, drag,
 * double-click) without losing selection. Screenshots land in test-results/.
 */
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { diagramCrossings } from '../support/diagram-crossings';
import { labPageForFile, type LabPage } from '../support/lab-page';

let lab: LabPage;
let page: Page;
labPageForFile((opened) => ({ lab, page } = opened));

const READABLE = 11;

/**
 * The on-screen size of every drawn text under the selector: its font size times the scale the
 * SVG is drawn at (its box on screen against its box in the drawing's own units).
 */
function labelSizes(root: string): Promise<Array<{ text: string; px: number }>> {
  return page.locator(`${root} svg text`).evaluateAll((texts) =>
    (texts as SVGTextElement[]).flatMap((text) => {
      const own = text.getBBox();
      const screen = text.getBoundingClientRect();
      if (own.width === 0 || screen.width === 0) return [];
      const scale = screen.width / own.width;
      return [{ text: text.textContent ?? '', px: parseFloat(getComputedStyle(text).fontSize) * scale }];
    }),
  );
}

async function expectReadable(root: string, atLeast: number): Promise<void> {
  const sizes = await labelSizes(root);
  expect(sizes.length).toBeGreaterThanOrEqual(atLeast);
  const small = sizes.filter((s) => s.px < READABLE - 0.01).map((s) => `${s.text}: ${s.px.toFixed(1)} px`);
  expect(small).toEqual([]);
}

const crossings = (root: string, arrows: string, texts?: string) => diagramCrossings(page, root, arrows, texts);

/** The statechart's and the journey's arrows: the transitions and the initial state's pointer. */
const STATECHART_ARROWS = 'path.edge, line.edge';

/** The view of a diagram: how far it is zoomed and where it is scrolled to. */
function viewOf(viewport: Locator): Promise<{ zoom: number; left: number; top: number; width: number }> {
  return viewport.evaluate((el) => ({
    zoom: Number(el.getAttribute('data-zoom')),
    left: el.scrollLeft,
    top: el.scrollTop,
    width: el.querySelector('svg')?.getBoundingClientRect().width ?? 0,
  }));
}

async function drag(viewport: Locator, dx: number, dy: number): Promise<void> {
  const box = await viewport.boundingBox();
  if (!box) throw new Error('viewport not drawn');
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx / 2, y + dy / 2, { steps: 3 });
  await page.mouse.move(x + dx, y + dy, { steps: 3 });
  await page.mouse.up();
}

/** Zoom in with the button, out with the keyboard, in with the wheel, pan by dragging, then reset. */
async function panAndZoom(root: string): Promise<void> {
  const viewport = page.locator(`${root} [data-testid="diagram-viewport"]`).first();
  const controls = (id: string) => page.locator(`${root} [data-testid="${id}"]`);
  const start = await viewOf(viewport);
  expect(start.zoom).toBeGreaterThanOrEqual(1);
  // At the readable minimum the drawing cannot shrink further.
  if (start.zoom === 1) expect(await controls('zoom-out').isDisabled()).toBe(true);

  await controls('zoom-in').click();
  const zoomed = await viewOf(viewport);
  expect(zoomed.zoom).toBeCloseTo(start.zoom * 1.25, 2);
  expect(zoomed.width).toBeGreaterThan(start.width * 1.2);

  // The buttons are reached and pressed from the keyboard.
  await controls('zoom-in').focus();
  await page.keyboard.press('Enter');
  expect((await viewOf(viewport)).zoom).toBeCloseTo(start.zoom * 1.25 * 1.25, 2);
  await controls('zoom-out').focus();
  await page.keyboard.press('Space');
  expect((await viewOf(viewport)).zoom).toBeCloseTo(zoomed.zoom, 2);

  // Ctrl + wheel (a pinch on a touchpad) zooms everywhere; it stops at the limit.
  const box = await viewport.boundingBox();
  await page.mouse.move(box!.x + box!.width / 2, box!.y + box!.height / 2);
  await page.keyboard.down('Control');
  for (let i = 0; i < 12; i++) await page.mouse.wheel(0, -100);
  await page.keyboard.up('Control');
  await expect.poll(async () => (await viewOf(viewport)).zoom).toBeCloseTo(4, 2);
  expect(await controls('zoom-in').isDisabled()).toBe(true);

  const before = await viewOf(viewport);
  await drag(viewport, -120, -80);
  const panned = await viewOf(viewport);
  expect(panned.left).toBeGreaterThan(before.left + 60);
  expect(panned.top).toBeGreaterThan(before.top + 40);
  expect(panned.zoom).toBe(before.zoom);

  await controls('zoom-reset').click();
  const reset = await viewOf(viewport);
  expect(reset.zoom).toBeCloseTo(start.zoom, 3);
  expect(reset.left).toBe(0);

  // Double-click resets too.
  await controls('zoom-in').click();
  expect((await viewOf(viewport)).zoom).toBeGreaterThan(start.zoom);
  await viewport.dblclick({ position: { x: 5, y: 5 } });
  expect((await viewOf(viewport)).zoom).toBeCloseTo(start.zoom, 3);
}

describe('diagrams at 1366×768', () => {
  it('gives the statechart the whole panel before a conversation, and room for its facts once one starts', async () => {
    const widthOf = (selector: string) => page.locator(selector).first().evaluate((el) => el.getBoundingClientRect().width);
    const viewport = '[data-testid="statechart"] [data-testid="diagram-viewport"]';
    expect(await page.getByTestId('session-context').count()).toBe(0);
    // No empty column of facts beside the drawing, clipping it for nothing.
    expect(await widthOf(viewport)).toBeGreaterThan((await widthOf('.chart-beside-facts')) * 0.9);
  });

  it('draws every statechart label at 11 px or more, clear of every arrow, and pans and zooms it', async () => {
    await page.getByTestId('session-tab').click();
    await page.locator('[data-testid="statechart"] svg [data-state]').first().waitFor();
    await expectReadable('[data-testid="statechart"]', 8);
    expect(await crossings('[data-testid="statechart"]', STATECHART_ARROWS)).toEqual([]);

    // A session through most states: each transition's label is drawn beside its arrow, and
    // neither it nor a state's name may have an arrow through it.
    await page.getByTestId('connect').click();
    const state = () => page.getByTestId('current-state').textContent();
    await expect.poll(state, { timeout: 10_000 }).toBe('greeted');
    const visited = new Set<string>();
    const steps: Array<[string, string]> = [
      ['EHLO browser.test', 'ready'], ['MAIL FROM:<learner@lab.test>', 'mail'], ['RCPT TO:<alice@example.test>', 'rcpt'],
      ['RCPT TO:<bob@example.test>', 'rcpt'], ['DATA', 'data'], ['Subject: many states', 'data'], ['.', 'ready'],
      ['MAIL FROM:<learner@lab.test>', 'mail'], ['RSET', 'ready'], ['STARTTLS', 'greeted'], ['EHLO browser.test', 'ready'],
      ['QUIT', 'closed'],
    ];
    for (const [line, expected] of steps) {
      const input = page.getByTestId('terminal-input');
      await input.fill(line);
      await input.press('Enter');
      await expect.poll(state, { timeout: 10_000 }).toBe(expected);
      visited.add(expected);
      const flash = page.locator('[data-testid="statechart"] .flash-label');
      await expect.poll(() => flash.count()).toBe(1);
      await expectReadable('[data-testid="statechart"]', 8);
      expect(await crossings('[data-testid="statechart"]', STATECHART_ARROWS), `after ${line}`).toEqual([]);
      if (line === 'DATA') await lab.screenshot('diagrams-statechart');
    }
    expect(visited.size).toBeGreaterThanOrEqual(6);
    await panAndZoom('[data-testid="statechart"]');
    await expectReadable('[data-testid="statechart"]', 8);
  });

  it('keeps the journey readable beside a map of three hops', async () => {
    await page.getByTestId('compose-tab').click();
    if (await page.getByTestId('compose-new').isVisible()) await page.getByTestId('compose-new').click();
    await page.getByTestId('compose-from').fill('learner@lab.test');
    await page.getByTestId('compose-to').fill('greylist@example.test');
    await page.getByTestId('compose-subject').fill('Three hops');
    await page.getByTestId('compose-text').fill('Deferred once, then delivered.');
    await page.getByTestId('compose-profile').selectOption('submission');
    await page.getByTestId('compose-send').click();
    await page.getByTestId('journey-tab').click();
    // The relay's first try is greylisted; the lab clock moves on to its retry, which delivers.
    const retry = page.getByTestId('fast-forward-retry');
    await expect.poll(() => retry.isEnabled().catch(() => false), { timeout: 30_000 }).toBe(true);
    await retry.click();
    await expect.poll(() => page.getByTestId('journey-path-state').textContent(), { timeout: 30_000 }).toMatch(/delivered/);
    expect(await page.getByTestId('hop').count()).toBeGreaterThanOrEqual(3);
    await expectReadable('[data-testid="journey"]', 8);
    expect(await crossings('[data-testid="journey"]', STATECHART_ARROWS)).toEqual([]);
    await lab.screenshot('diagrams-journey');
    // Every hop's journey, the step it took last lit: no arrow through a text. (A step's label would
    // only repeat the name of the state it lit, so none is drawn.)
    const shows = page.locator('[data-testid="hop"] button');
    for (let i = 0; i < (await shows.count()); i++) {
      if (await shows.nth(i).isDisabled()) continue;
      await shows.nth(i).click();
      await expect.poll(() => shows.nth(i).isDisabled()).toBe(true);
      await expect.poll(() => page.locator('[data-testid="journey"] .flash').count()).toBe(1);
      expect(await page.locator('[data-testid="journey"] .flash-label').count()).toBe(0);
      expect(await crossings('[data-testid="journey"]', STATECHART_ARROWS), `hop ${i}`).toEqual([]);
    }
    await panAndZoom('[data-testid="journey"]');
  });

  it('draws the ladder at 11 px or more with no arrow through a label, and pans and zooms it', async () => {
    await page.getByTestId('ladder-tab').click();
    await page.getByTestId('ladder-arrow').first().waitFor();
    await expectReadable('section.ladder', 10);
    expect(await crossings('section.ladder', '.shaft', '.label')).toEqual([]);
    await lab.screenshot('diagrams-ladder');

    // Choosing an arrow still selects it, zoomed or not.
    const arrow = page.getByTestId('ladder-arrow').nth(2);
    await panAndZoom('section.ladder');
    await arrow.click();
    expect(await arrow.getAttribute('aria-selected')).toBe('true');
    await expectReadable('section.ladder', 10);
  });
});
