/**
 * Every screen, in a real Chromium: a phone (390×844) where the terminal and a lesson are usable
 * one pane at a time, a laptop zoomed to 200 % (683 CSS px wide) that reflows the same way, and
 * dark mode that follows the system unless the learner picks a theme, remembered across a reload.
 * Screenshots land in test-results/ for a human to look at.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openLabPage, type LabPage } from '../support/lab-page';

let lab: LabPage;
let page: Page;

beforeAll(async () => {
  lab = await openLabPage({ width: 390, height: 844 });
  ({ page } = lab);
}, 180_000);

afterAll(() => lab?.close());

/** How far the page itself scrolls sideways (0 when everything fits the width). */
function sidewaysOverflow(): Promise<number> {
  return page.evaluate(() => (document.scrollingElement?.scrollWidth ?? 0) - window.innerWidth);
}

/** True when the element is drawn, and wholly inside the viewport's width. */
async function fitsAcross(testId: string): Promise<boolean> {
  return fitsAcrossBox(await page.getByTestId(testId).boundingBox());
}

/** True when the box is drawn, and wholly inside the viewport's width. */
async function fitsAcrossBox(box: { x: number; width: number } | null): Promise<boolean> {
  const width = page.viewportSize()?.width ?? 0;
  return box !== null && box.width > 0 && box.x >= 0 && box.x + box.width <= width;
}

/** The relative luminance (0 black … 1 white) of the page's background. */
function backgroundLuminance(): Promise<number> {
  return page.evaluate(() => {
    const probe = document.createElement('canvas').getContext('2d');
    if (!probe) throw new Error('no canvas');
    // The canvas turns any CSS colour syntax into plain sRGB bytes.
    probe.fillStyle = getComputedStyle(document.documentElement).backgroundColor;
    probe.fillRect(0, 0, 1, 1);
    const [r = 0, g = 0, b = 0] = probe.getImageData(0, 0, 1, 1).data;
    const linear = (c: number) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  });
}

/** Switches the system's colour scheme and lets the colour transitions (0.3 s) finish. */
async function systemScheme(colorScheme: 'light' | 'dark'): Promise<void> {
  await page.emulateMedia({ colorScheme });
  await page.waitForTimeout(400);
}

/** Pairs of visible elements matching the selector whose boxes overlap (text drawn over text). */
function overlapping(selector: string): Promise<string[]> {
  return page.evaluate((selector) => {
    const parts = [...document.querySelectorAll<HTMLElement>(selector)]
      .map((el) => ({ name: el.dataset.testid ?? el.textContent?.trim().slice(0, 20) ?? el.tagName, box: el.getBoundingClientRect() }))
      .filter(({ box }) => box.width > 0 && box.height > 0);
    const found: string[] = [];
    for (const [i, a] of parts.entries()) {
      for (const b of parts.slice(i + 1)) {
        const inside = (x: DOMRect, y: DOMRect) => x.left >= y.left && x.right <= y.right && x.top >= y.top && x.bottom <= y.bottom;
        if (inside(a.box, b.box) || inside(b.box, a.box)) continue; // a copy button inside its fact
        const apart = a.box.right <= b.box.left || b.box.right <= a.box.left || a.box.bottom <= b.box.top || b.box.bottom <= a.box.top;
        if (!apart) found.push(`${a.name} × ${b.name}`);
      }
    }
    return found;
  }, selector);
}

const HEADER_PARTS = 'header h1, header button, header select, header .fact, header [data-testid="connection-status"]';
/** The world page's domain cards and the mail hosts beside (or under) them. */
const WORLD_PARTS = 'section[aria-label="Domains"] > *, section[aria-label="Domains"] ~ section';

async function typeAndSeeReply(line: string, reply: RegExp): Promise<void> {
  const replies = page.getByTestId('terminal-reply');
  const before = await replies.count();
  const input = page.getByTestId('terminal-input');
  await input.fill(line);
  await input.press('Enter');
  await expect.poll(async () => (await replies.allTextContents()).slice(before).some((t) => reply.test(t)), { timeout: 10_000 }).toBe(true);
  // The reply is on screen, not only in the document.
  await expect.poll(() => replies.last().isVisible()).toBe(true);
}

describe('a phone, 390×844', () => {
  it('fits the width, reaches Connect, and takes a command and its reply', async () => {
    await systemScheme('light');
    expect(await sidewaysOverflow()).toBeLessThanOrEqual(0);
    expect(await page.getByTestId('pane-switcher').isVisible()).toBe(true);
    // A first visit opens on the pane that offers lesson 1; the terminal is one tab away.
    expect(await page.getByTestId('start-first-lesson').isVisible()).toBe(true);
    await page.getByTestId('pane-terminal').click();
    expect(await fitsAcross('connect')).toBe(true);
    await page.getByTestId('connect').click();
    await expect.poll(() => page.getByTestId('terminal-reply').first().textContent(), { timeout: 10_000 }).toMatch(/220/);
    await typeAndSeeReply('EHLO phone.test', /250/);
    expect(await sidewaysOverflow()).toBeLessThanOrEqual(0);
    await lab.screenshot('screens-phone-terminal');

    // The other panes, one at a time, each within the width.
    await page.getByTestId('pane-transcript').click();
    await page.locator('[data-testid="transcript-line"][data-dir="server"]').first().waitFor();
    expect(await page.getByTestId('terminal-input').isVisible()).toBe(false);
    expect(await sidewaysOverflow()).toBeLessThanOrEqual(0);
    await lab.screenshot('screens-phone-transcript');
    await page.getByTestId('pane-diagram').click();
    await page.getByTestId('statechart').waitFor();
    expect(await fitsAcross('statechart')).toBe(true);
    expect(await sidewaysOverflow()).toBeLessThanOrEqual(0);
    await lab.screenshot('screens-phone-diagram');
    await page.getByTestId('journey-tab').click();
    expect(await sidewaysOverflow()).toBeLessThanOrEqual(0);
    await lab.screenshot('screens-phone-journey');
    await page.getByTestId('session-tab').click();

    // The other side of each pane: compose, and the ladder.
    await page.getByTestId('pane-terminal').click();
    await page.getByTestId('compose-tab').click();
    expect(await sidewaysOverflow()).toBeLessThanOrEqual(0);
    await lab.screenshot('screens-phone-compose');
    await page.getByTestId('terminal-tab').click();
    await page.getByTestId('pane-transcript').click();
    await page.getByTestId('ladder-tab').click();
    expect(await sidewaysOverflow()).toBeLessThanOrEqual(0);
    await lab.screenshot('screens-phone-ladder');
    await page.getByTestId('transcript-tab').click();
  });

  it('shows the inbox and the world within the width', async () => {
    for (const view of ['inbox', 'world'] as const) {
      await page.getByTestId(`${view}-tab`).click();
      expect(await sidewaysOverflow()).toBeLessThanOrEqual(0);
      if (view === 'world') {
        expect(await overlapping(WORLD_PARTS)).toEqual([]);
        // The mail hosts, one under another: every row, and each host's tamper switch, within the width.
        await page.getByTestId('world-host').first().waitFor();
        expect(await page.getByTestId('world-page').evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
        // The world scrolls inside its page; the page itself is no taller than the window.
        expect(await page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight)).toBeLessThanOrEqual(0);
        for (const row of await page.getByTestId('world-host').all()) expect(await fitsAcrossBox(await row.boundingBox())).toBe(true);
        for (const choice of await page.getByTestId('world-tamper').all()) expect(await fitsAcrossBox(await choice.boundingBox())).toBe(true);
        // So does the zone editor: each record's type reads whole, and its name is not cut off.
        const cut = await page.getByTestId('zone-record').evaluateAll((rows) =>
          rows.flatMap((row) => [...row.querySelectorAll<HTMLInputElement | HTMLSelectElement>('select, input')])
            .filter((field) => {
              if (field instanceof HTMLInputElement) return field.scrollWidth > field.clientWidth;
              // A select narrower than it would be on its own cuts its type ("TX" for TXT).
              const alone = field.cloneNode(true) as HTMLSelectElement;
              alone.style.width = 'auto';
              field.after(alone);
              const natural = alone.getBoundingClientRect().width;
              alone.remove();
              return field.getBoundingClientRect().width < natural - 1;
            })
            .map((field) => field.value),
        );
        expect(cut).toEqual([]);
      }
      await lab.screenshot(`screens-phone-${view}`);
      // The views are places: the Lab link goes back to the lab.
      await page.getByTestId('lab-tab').click();
    }
    expect(await page.getByTestId('pane-switcher').isVisible()).toBe(true);
  });

  it('opens a lesson that can be read, then does its step in the terminal pane', async () => {
    await page.getByTestId('lessons-tab').click();
    await page.locator('[data-testid="lesson-item"][data-lesson="hello-server"]').click();
    // A lesson opens on its introduction; the learner begins it.
    await page.getByTestId('lesson-intro').waitFor();
    expect(await fitsAcross('lesson-intro')).toBe(true);
    await page.getByTestId('begin-lesson').click();
    const step = page.getByTestId('lesson-step');
    await step.waitFor();
    expect(await fitsAcross('lesson-step')).toBe(true);
    expect(await page.getByTestId('lesson-panel').isVisible()).toBe(true);
    expect(await sidewaysOverflow()).toBeLessThanOrEqual(0);
    await lab.screenshot('screens-phone-lesson');

    await page.getByTestId('pane-terminal').click();
    // Lesson 1 teaches connecting, so connecting is the learner's own step. The terminal of the
    // test before is still open, so the lab asks first.
    await page.getByTestId('connect').click();
    await page.getByTestId('confirm-second-session').click();
    await expect.poll(() => page.getByTestId('terminal-input').isEnabled(), { timeout: 10_000 }).toBe(true);
    // The new session on screen: its greeting is its only reply (the old session's replies are gone).
    await expect.poll(async () => (await page.getByTestId('terminal-reply').allTextContents()).map((t) => t.slice(0, 3)), { timeout: 15_000 }).toEqual(['220']);
    await typeAndSeeReply('EHLO learner.test', /250/);
    // Back on the lesson, the goal it met is ticked.
    await page.getByTestId('pane-side').click();
    await expect.poll(() => page.locator('[data-testid="goal"][data-goal="ehlo-sent"]').getAttribute('data-met')).toBe('true');
  });
});

describe('a laptop at 200 % zoom (1366×768 → 683×384 CSS px)', () => {
  it('reflows into panes without sideways scrolling or overlapping header text', async () => {
    await page.setViewportSize({ width: 683, height: 384 });
    expect(await sidewaysOverflow()).toBeLessThanOrEqual(0);
    expect(await page.getByTestId('pane-switcher').isVisible()).toBe(true);
    expect(await overlapping(HEADER_PARTS)).toEqual([]);
    await page.getByTestId('pane-terminal').click();
    expect(await fitsAcross('terminal-input')).toBe(true);
    await lab.screenshot('screens-zoom-200-terminal');
    await page.getByTestId('pane-side').click();
    await lab.screenshot('screens-zoom-200-lesson');
  });

  it('shows every pane side by side again at full width, with no overlap either', async () => {
    await page.setViewportSize({ width: 1366, height: 768 });
    expect(await page.getByTestId('pane-switcher').isVisible()).toBe(false);
    expect(await page.getByTestId('terminal-input').isVisible()).toBe(true);
    expect(await page.getByTestId('lesson-panel').isVisible()).toBe(true);
    expect(await overlapping(HEADER_PARTS)).toEqual([]);
    await lab.screenshot('screens-desktop-light');
  });
});

describe('dark mode', () => {
  it('follows the system, and a theme chosen in the header wins and is remembered', async () => {
    expect(await backgroundLuminance()).toBeGreaterThan(0.8);
    await systemScheme('dark');
    await expect.poll(backgroundLuminance).toBeLessThan(0.05);
    await lab.screenshot('screens-desktop-dark');
    await page.getByTestId('ladder-tab').click();
    await lab.screenshot('screens-desktop-dark-ladder');
    await page.getByTestId('transcript-tab').click();
    for (const view of ['inbox', 'world'] as const) {
      await page.getByTestId(`${view}-tab`).click();
      await lab.screenshot(`screens-desktop-dark-${view}`);
      await page.getByTestId('lab-tab').click();
    }

    // The learner wants light on a dark system: kept across a reload, from the first frame.
    await page.getByTestId('theme-choice').selectOption('light');
    await expect.poll(backgroundLuminance).toBeGreaterThan(0.8);
    await page.reload();
    expect(await backgroundLuminance()).toBeGreaterThan(0.8);
    expect(await page.getByTestId('theme-choice').inputValue()).toBe('light');

    await page.getByTestId('theme-choice').selectOption('dark');
    await systemScheme('light');
    await expect.poll(backgroundLuminance).toBeLessThan(0.05);

    // Back to the system's choice: nothing is kept, the system decides again.
    await page.getByTestId('theme-choice').selectOption('system');
    await expect.poll(backgroundLuminance).toBeGreaterThan(0.8);
    await page.reload();
    expect(await page.getByTestId('theme-choice').inputValue()).toBe('system');
  });

  it('is readable on a phone too', async () => {
    await systemScheme('dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId('connection-status').filter({ hasText: /connected/i }).waitFor();
    await expect.poll(backgroundLuminance).toBeLessThan(0.05);
    expect(await sidewaysOverflow()).toBeLessThanOrEqual(0);
    await lab.screenshot('screens-phone-dark-lesson');
    await page.getByTestId('pane-terminal').click();
    // A refused command: its reply carries an error mark, in the terminal and the transcript.
    await typeAndSeeReply('BOGUS', /^5\d\d/);
    await page.waitForTimeout(400);
    await lab.screenshot('screens-phone-dark-terminal');
    await page.getByTestId('pane-transcript').click();
    await page.locator('[data-testid="transcript-line"] [data-testid="reply-mark"]').last().waitFor();
    await lab.screenshot('screens-phone-dark-transcript');
    await page.getByTestId('pane-diagram').click();
    await lab.screenshot('screens-phone-dark-diagram');
  });
});
