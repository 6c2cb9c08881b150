/** Lesson 1 done by typing in a real Chromium: the goals tick live, completion sticks across a reload. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openLabPage, type LabPage } from '../support/lab-page';

let lab: LabPage;
let page: Page;

beforeAll(async () => {
  lab = await openLabPage({ width: 1366, height: 768 });
  ({ page } = lab);
}, 180_000);

afterAll(() => lab?.close());

const goalMet = (goal: string) => page.locator(`[data-testid="goal"][data-goal="${goal}"]`).getAttribute('data-met');

async function type(line: string): Promise<void> {
  const input = page.getByTestId('terminal-input');
  await input.fill(line);
  await input.press('Enter');
}

describe('lesson 1 in the browser', () => {
  it('ticks each goal as the real conversation meets it, and remembers completion', async () => {
    await page.getByTestId('lessons-tab').click();
    await page.locator('[data-testid="lesson-item"][data-lesson="hello-server"]').click();
    // Starting a terminal lesson connects a terminal for the learner.
    await expect.poll(() => goalMet('greeted'), { timeout: 10_000 }).toBe('true');
    expect(await goalMet('ehlo-sent')).toBe('false');

    await type('EHLO learner.test');
    await expect.poll(() => goalMet('extensions'), { timeout: 10_000 }).toBe('true');
    expect(await goalMet('ehlo-sent')).toBe('true');
    expect(await goalMet('quit')).toBe('false');
    expect(await page.getByTestId('lesson-complete').count()).toBe(0);

    await type('QUIT');
    await expect.poll(() => goalMet('quit'), { timeout: 10_000 }).toBe('true');
    await page.getByTestId('lesson-complete').waitFor();
    expect(await page.getByTestId('next-lesson').textContent()).toContain('The first transaction');
    await lab.screenshot('lesson');

    await page.reload();
    await page.getByTestId('lessons-tab').click();
    const item = page.locator('[data-testid="lesson-item"][data-lesson="hello-server"]');
    await expect.poll(() => item.getAttribute('data-complete')).toBe('true');
    expect(await page.locator('[data-testid="lesson-item"][data-lesson="first-transaction"]').getAttribute('data-complete')).toBe('false');
  });

  it('shows the solution only after a confirmation', async () => {
    await page.locator('[data-testid="lesson-item"][data-lesson="reply-codes"]').click();
    await page.getByTestId('show-solution').click();
    expect(await page.getByTestId('solution').count()).toBe(0);
    await page.getByTestId('confirm-solution').click();
    expect(await page.getByTestId('solution').textContent()).toContain('RCPT TO:<alice@example.test>');
  });
});
