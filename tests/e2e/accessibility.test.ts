/**
 * The keyboard and assistive technology in Chromium against the real bridge: a skip link is the
 * first Tab stop and lands in the terminal; the focus stays somewhere useful after QUIT and after
 * the message dialog closes; axe-core finds nothing serious or critical on any view.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { seriousFindings } from '../support/axe';
import { labPageForFile, type LabPage } from '../support/lab-page';

let lab: LabPage;
let page: Page;
labPageForFile((opened) => ({ lab, page } = opened));

/** The focused element's test id (or its tag, when it has none). */
function focused(): Promise<string> {
  return page.evaluate(() => {
    const active = document.activeElement;
    return active?.getAttribute('data-testid') ?? active?.tagName.toLowerCase() ?? 'none';
  });
}

async function serverLines(): Promise<string[]> {
  return page.locator('[data-testid="transcript-line"][data-dir="server"]').allTextContents();
}

async function typeLine(line: string, reply: RegExp): Promise<void> {
  const before = (await serverLines()).length;
  await page.getByTestId('terminal-input').fill(line);
  await page.getByTestId('terminal-input').press('Enter');
  await expect.poll(async () => (await serverLines()).slice(before).some((text) => reply.test(text)), { timeout: 10_000 }).toBe(true);
}

/** Views are places: a header link opens one, the Lab link goes back. */
async function toggle(testid: string, on: boolean): Promise<void> {
  await page.getByTestId(on ? testid : 'lab-tab').click();
}

async function expectNoSeriousFindings(view: string): Promise<void> {
  expect({ view, findings: await seriousFindings(page) }).toEqual({ view, findings: [] });
}

describe('keyboard and accessibility', () => {
  it('has a skip link as the first Tab stop, landing in the terminal input', async () => {
    await page.getByTestId('connect').click();
    await expect.poll(async () => (await serverLines()).some((t) => /^.*220 /.test(t)), { timeout: 10_000 }).toBe(true);
    // A fresh page with the session still open, the learner elsewhere (on Compose).
    await page.getByTestId('compose-tab').click();
    await page.reload();
    await page.getByTestId('connection-status').filter({ hasText: /connected/i }).waitFor();
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('skip-to-terminal');
    expect(await page.getByTestId('skip-to-terminal').isVisible()).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(focused, { timeout: 10_000 }).toBe('terminal-input');
  });

  it('keeps the focus on Connect after QUIT, not on the page', async () => {
    await typeLine('EHLO keys.test', /^.*250 /);
    expect(await focused()).toBe('terminal-input');
    await typeLine('QUIT', /^.*221 /);
    await expect.poll(() => page.getByTestId('terminal-input').isDisabled(), { timeout: 10_000 }).toBe(true);
    await expect.poll(focused, { timeout: 5_000 }).toBe('connect');
    // Enter on it opens the next session at once.
    await page.keyboard.press('Enter');
    await expect.poll(focused, { timeout: 10_000 }).toBe('terminal-input');
  });

  it('gives the focus back to the message link when the dialog closes', async () => {
    await typeLine('EHLO keys.test', /^.*250 /);
    await typeLine('MAIL FROM:<learner@lab.test>', /^.*250 /);
    await typeLine('RCPT TO:<learner@lab.test>', /^.*250 /);
    await typeLine('DATA', /^.*354 /);
    await page.getByTestId('terminal-input').fill('Subject: Dialog focus');
    await page.getByTestId('terminal-input').press('Enter');
    await page.getByTestId('terminal-input').fill('');
    await page.getByTestId('terminal-input').press('Enter');
    await typeLine('.', /^.*250 /);
    const open = page.getByTestId('message-open').first();
    await open.waitFor({ timeout: 10_000 });
    await open.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('message-view').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('message-view').isVisible()).toBe(false);
    await expect.poll(focused).toBe('message-open');
  });

  it('reports no serious or critical axe finding on any view', async () => {
    await page.getByTestId('terminal-tab').click();
    // The EHLO reply's explanation is long enough to scroll at this size.
    await page.locator('[data-testid="transcript-line"]', { hasText: /250-PIPELINING/ }).last().click();
    await expect.poll(async () => page.getByTestId('explanation').evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
    await expectNoSeriousFindings('terminal');

    await page.getByTestId('compose-tab').click();
    if (await page.getByTestId('compose-new').isVisible()) await page.getByTestId('compose-new').click();
    await page.getByTestId('compose-form').waitFor();
    await expectNoSeriousFindings('compose');

    // A stepped delivery to another domain, its hop stepped too: controls, ladder and journey with a map.
    await page.getByTestId('compose-to').fill('alice@example.test');
    await page.getByTestId('compose-subject').fill('Seen by axe');
    await page.getByTestId('compose-step-hops').setChecked(true);
    await page.getByTestId('compose-step').click();
    await expect.poll(() => page.getByTestId('step-next').isEnabled().catch(() => false), { timeout: 15_000 }).toBe(true);
    await page.getByTestId('held-unit').waitFor();
    await expectNoSeriousFindings('a held delivery');
    await page.getByTestId('step-run').click();
    await page.getByTestId('waiting-hop').waitFor({ timeout: 15_000 });
    await page.getByTestId('ladder-tab').click();
    await page.getByTestId('journey-tab').click();
    await page.getByTestId('hop-map').waitFor();
    await expectNoSeriousFindings('a delivery with its ladder, journey and a waiting hop');
    await page.getByTestId('hop-run').click();
    await expect.poll(() => page.getByTestId('waiting-hop').count(), { timeout: 15_000 }).toBe(0);

    await toggle('inbox-tab', true);
    const box = page.locator('[data-testid="mailbox-item"][data-address="alice@example.test"]');
    await box.waitFor({ timeout: 15_000 });
    await box.click();
    await page.getByTestId('mailbox-message').filter({ hasText: 'Seen by axe' }).click();
    await expectNoSeriousFindings('inbox with a message open');
    await toggle('inbox-tab', false);

    await toggle('world-tab', true);
    await page.getByTestId('world-page').waitFor();
    await expectNoSeriousFindings('world');
    await toggle('world-tab', false);

    await page.getByTestId('lessons-tab').click();
    await page.locator('[data-testid="lesson-item"]').first().waitFor();
    await expectNoSeriousFindings('lessons list');
    await page.locator('[data-testid="lesson-item"][data-lesson="hello-server"]').click();
    await page.getByTestId('lesson-panel').waitFor();
    await expectNoSeriousFindings('a lesson open');
  });

  it('keeps the lab in view: neither Tab onto Import… nor a lesson of many goals makes the page itself scroll', async () => {
    await page.getByTestId('lessons-tab').click();
    const back = page.getByRole('button', { name: '← All lessons' });
    if (await back.isVisible()) await back.click();
    await page.getByTestId('export-progress').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid)).toBe('import-progress');
    // The page itself never scrolls: a jump would push the header and every pane out of sight.
    expect(await page.evaluate(() => document.scrollingElement?.scrollTop ?? 0)).toBe(0);
    expect(await page.getByTestId('lessons-tab').isVisible()).toBe(true);
    expect((await page.getByTestId('lessons-tab').boundingBox())?.y ?? -1).toBeGreaterThanOrEqual(0);
    // Nor is it taller than the window with a lesson of many goals open, each with words only a screen reader hears.
    await page.goto(`${lab.bridge.webUrl.replace(/\/$/, '')}/#/lessons/forwarding-and-arc`);
    await page.getByTestId('begin-lesson').click();
    await page.getByTestId('goal').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight)).toBeLessThanOrEqual(0);
    await page.getByTestId('lab-tab').click();
  });
});
