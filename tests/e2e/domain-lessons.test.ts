/**
 * A lesson on the learner's own domain in Chromium: opening it sets the zone to the working set
 * (the learner's own record gone for the while), the learner breaks SPF in the zone editor as the
 * lesson asks, sends from Compose, and the goals read the verdicts off Alice's copy; the solution
 * names the zone change in words; leaving the lesson gives the learner's own zone back.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { labPageForFile, type LabPage } from '../support/lab-page';

let lab: LabPage;
let page: Page;
labPageForFile((opened) => ({ lab, page } = opened));

const RECORDS = () => `${lab.bridge.webUrl.replace(/\/$/, '')}/api/world/domains/learner.test/records`;
const records = async (): Promise<Array<{ type: string; name: string; value: string }>> => ((await (await fetch(RECORDS())).json()) as { records: [] }).records;
const row = (name: string) => page.locator(`[data-testid="zone-record"][data-type="TXT"][data-name="${name}"]`);
const goalMet = (goal: string) => page.locator(`[data-testid="goal"][data-goal="${goal}"]`).getAttribute('data-met');

describe('a lesson on your own domain, in the browser', () => {
  it('opens on the working set, is solved through the zone editor and Compose, and gives your zone back when you leave', async () => {
    // The learner's own zone before the lesson: a record of their own.
    const own = { type: 'TXT', name: 'note.learner.test', value: 'mine' };
    const put = await fetch(RECORDS(), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ records: [...(await records()), own] }) });
    expect(put.status).toBe(200);

    await page.getByTestId('lessons-tab').click();
    await page.locator('[data-testid="lesson-item"][data-lesson="dkim-carries"]').click();
    await page.getByTestId('lesson-intro').waitFor();
    await expect.poll(async () => (await records()).some((r) => r.name === own.name), { timeout: 10_000 }).toBe(false);
    await page.getByTestId('begin-lesson').click();

    await page.getByTestId('world-tab').click();
    await row('learner.test').waitFor({ timeout: 15_000 });
    await row('learner.test').getByTestId('zone-value').fill('v=spf1 -all');
    await page.getByTestId('zone-save').click();
    await expect.poll(() => page.getByTestId('zone-status').textContent(), { timeout: 10_000 }).toMatch(/^Saved/);

    await page.getByTestId('lab-tab').click();
    await page.getByTestId('compose-tab').click();
    if (await page.getByTestId('compose-new').isVisible()) await page.getByTestId('compose-new').click();
    await page.getByTestId('compose-from').fill('me@learner.test');
    await page.getByTestId('compose-to').fill('alice@example.test');
    await page.getByTestId('compose-subject').fill('SPF is off');
    await page.getByTestId('compose-text').fill('Who vouches for me now?');
    await page.getByTestId('compose-profile').selectOption('submission');
    await page.getByTestId('compose-send').click();
    await expect.poll(() => page.getByTestId('delivery-outcome').getAttribute('data-outcome').catch(() => null), { timeout: 30_000 }).toBe('accepted');

    await page.getByTestId('lessons-tab').click();
    await expect.poll(() => goalMet('spf-fails'), { timeout: 20_000 }).toBe('true');
    expect(await goalMet('dmarc-passes')).toBe('true');

    await page.getByTestId('show-solution').click();
    await page.getByTestId('confirm-solution').click();
    expect(await page.getByTestId('solution').textContent()).toContain('set TXT your domain to “v=spf1 -all”, and save');

    await page.getByRole('button', { name: '← All lessons' }).click();
    await expect.poll(async () => (await records()).some((r) => r.name === own.name), { timeout: 10_000 }).toBe(true);
    expect((await records()).find((r) => r.type === 'TXT' && r.name === 'learner.test')?.value).toBe('v=spf1 ip4:192.0.2.10 -all');
  }, 150_000);
});
