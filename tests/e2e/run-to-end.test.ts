/**
 * Run to end in Chromium against the real bridge: a stepped delivery's mail goes on through the
 * lab's relay into the recipient's mailbox, unless the learner chose to step the relay hops too;
 * then the hop that waits shows its own Next among the delivery's controls, not only in the
 * Journey list.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { labPageForFile, type LabPage } from '../support/lab-page';

let lab: LabPage;
let page: Page;
labPageForFile((opened) => ({ lab, page } = opened));

async function compose(subject: string, stepHops: boolean): Promise<void> {
  await page.getByTestId('compose-tab').click();
  if (await page.getByTestId('compose-new').isVisible()) await page.getByTestId('compose-new').click();
  await page.getByTestId('compose-from').fill('learner@lab.test');
  await page.getByTestId('compose-to').fill('alice@example.test');
  await page.getByTestId('compose-subject').fill(subject);
  await page.getByTestId('compose-profile').selectOption('submission');
  await page.getByTestId('compose-step-hops').setChecked(stepHops);
}

/** Step through, then Run to end as soon as the first unit is held. */
async function stepThenRun(): Promise<void> {
  await page.getByTestId('compose-step').click();
  await expect.poll(() => page.getByTestId('step-next').isEnabled().catch(() => false), { timeout: 15_000 }).toBe(true);
  await page.getByTestId('step-run').click();
  await expect.poll(() => page.getByTestId('delivery-outcome').getAttribute('data-outcome').catch(() => null), { timeout: 15_000 }).toBe('accepted');
}

async function inboxSubjects(address: string): Promise<string[]> {
  await page.getByTestId('inbox-tab').click();
  const item = page.locator(`[data-testid="mailbox-item"][data-address="${address}"]`);
  await item.waitFor({ timeout: 15_000 });
  await item.click();
  return page.locator('[data-testid="mailbox-message"] .subject').allTextContents();
}

async function backToLab(): Promise<void> {
  await page.getByTestId('lab-tab').click();
}

describe('Run to end', () => {
  it('carries a stepped delivery through the relay hop into the mailbox', async () => {
    const subject = 'Run to the mailbox';
    await compose(subject, false);
    await stepThenRun();
    // Nothing waits for a Next the learner cannot see: no hop is held for this delivery.
    expect(await page.getByTestId('waiting-hop').count()).toBe(0);
    await expect.poll(() => inboxSubjects('alice@example.test'), { timeout: 15_000 }).toContain(subject);
    await backToLab();
  });

  it("shows a stepped hop's Next among the delivery's controls when the learner chose to step hops", async () => {
    const subject = 'Hops stepped by hand';
    await compose(subject, true);
    await stepThenRun();
    const hop = page.locator('[data-testid="step-controls"] [data-testid="waiting-hop"][data-hop="1"]');
    await hop.waitFor({ timeout: 15_000 });
    const next = hop.getByTestId('hop-next');
    await expect.poll(() => next.isEnabled(), { timeout: 15_000 }).toBe(true);
    // The relay's EHLO waits at the hop's gate; Next lets it go and the next unit is held.
    expect(await hop.textContent()).toMatch(/holds EHLO smtp\.lab\.test/);
    await next.click();
    await expect.poll(async () => (await hop.textContent()) ?? '', { timeout: 15_000 }).not.toMatch(/holds EHLO/);
    // Nothing reached the mailbox yet: the hop is the learner's to finish.
    expect(await inboxSubjects('alice@example.test')).not.toContain(subject);
    await backToLab();
    await hop.getByTestId('hop-run').click();
    await expect.poll(() => hop.count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => inboxSubjects('alice@example.test'), { timeout: 15_000 }).toContain(subject);
    await backToLab();
  });
});
