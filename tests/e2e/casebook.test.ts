/**
 * A casebook challenge taken in a real Chromium, evidence first and fix after: "the bounce nobody
 * sent". The learner replays the forgery, selects the 250 that made the bounce owed, answers why
 * Bob got it, then connects straight to mx.example.test and sees the same forgery refused at RCPT.
 * Along the way the challenge's par counts the commands typed, and the learner's tally ends it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openLabPage, type LabPage } from '../support/lab-page';

let lab: LabPage;
let page: Page;

/** The lessons the challenge requires, finished earlier (as the lesson list keeps them). */
const FINISHED = {
  version: 1,
  completed: { 'relay-mx': '2026-12-01T10:00:00.000Z', 'open-relays': '2026-12-01T10:30:00.000Z', bounces: '2026-12-01T11:00:00.000Z' },
};

beforeAll(async () => {
  lab = await openLabPage({
    width: 1366,
    height: 768,
    beforeLoad: ({ page: opening }) => {
      void opening.addInitScript((progress) => localStorage.setItem('smtp-lab.progress', progress), JSON.stringify(FINISHED));
    },
  });
  ({ page } = lab);
}, 180_000);

afterAll(() => lab?.close());

const goal = (id: string) => page.locator(`[data-testid="goal"][data-goal="${id}"]`);
const goalMet = (id: string) => goal(id).getAttribute('data-met');
const par = () => page.getByTestId('par');
const serverLine = (text: RegExp) => page.locator('[data-testid="transcript-line"][data-dir="server"]', { hasText: text });

async function type(line: string): Promise<void> {
  const input = page.getByTestId('terminal-input');
  await input.fill(line);
  await input.press('Enter');
}

describe('a casebook challenge: the bounce nobody sent', () => {
  it('is solved from the evidence on the wire, then fixed by delivering to the MX that refuses at RCPT', async () => {
    await page.getByTestId('lessons-tab').click();
    const item = page.locator('[data-testid="lesson-item"][data-lesson="the-bounce-nobody-sent"]');
    // Its requirements are done, so the challenge is open.
    expect(await item.getAttribute('data-locked')).toBe('false');
    await item.click();
    await page.getByTestId('lesson-intro').waitFor();
    expect(await page.getByTestId('lesson-intro').textContent()).toMatch(/never sent/);
    await page.getByTestId('begin-lesson').click();
    await expect.poll(() => page.getByTestId('terminal-input').isEnabled(), { timeout: 10_000 }).toBe(true);

    // The forgery, through the lab's welcoming server.
    for (const line of ['EHLO learner.test', 'MAIL FROM:<bob@example.test>', 'RCPT TO:<nobody@example.test>', 'DATA']) await type(line);
    for (const line of ['Subject: Cheap watches', '', 'Buy now.', '.']) await type(line);
    await expect.poll(() => serverLine(/queued as/).count(), { timeout: 10_000 }).toBe(1);
    // Four commands so far: the message text and its dot are none.
    expect(await par().getAttribute('data-state')).toBe('working');
    await expect.poll(() => par().textContent()).toMatch(/^\s*Par 9 commands · used so far: 4\s*$/);
    await expect.poll(() => goalMet('backscatter'), { timeout: 20_000 }).toBe('true');

    // Evidence: the 250 to the end of data, selected in the learner's own transcript; a wrong line first.
    await page.getByTestId('transcript-tab').click();
    // Each step asks one thing of each kind, so its select button and answer form are the only ones shown.
    const use = page.getByTestId('use-selection');
    await serverLine(/250 2\.1\.5/).first().click();
    await use.click();
    await expect.poll(() => page.getByTestId('select-verdict').textContent()).toMatch(/Not that line/);
    expect(await goalMet('the-250')).toBe('false');
    await serverLine(/250 2\.6\.0/).first().click();
    await use.click();
    await expect.poll(() => page.getByTestId('select-verdict').textContent()).toMatch(/Right/);
    expect(await goalMet('the-250')).toBe('true');

    // The question, answered by picking a choice.
    await page.getByLabel(/The forger wrote Bob's address in MAIL FROM/).check();
    await page.getByTestId('check-answer').click();
    await expect.poll(() => goalMet('why-bob')).toBe('true');
    await lab.screenshot('casebook-evidence-1366');

    // The fix: the next step's Connect goes straight to mx.example.test.
    await page.getByTestId('next-step').click();
    await page.getByTestId('challenge').waitFor();
    expect(await page.getByTestId('hint-button').textContent()).toBe('Hint: nudge');
    await page.getByTestId('connect').click();
    const second = page.getByTestId('confirm-second-session');
    if (await second.isVisible().catch(() => false)) await second.click();
    await serverLine(/220 mx\.example\.test/).first().waitFor({ timeout: 10_000 });
    await expect.poll(() => page.getByTestId('terminal-input').isEnabled(), { timeout: 10_000 }).toBe(true);
    for (const line of ['EHLO smtp.lab.test', 'MAIL FROM:<bob@example.test>', 'RCPT TO:<nobody@example.test>']) await type(line);
    await expect.poll(() => goalMet('refused-at-rcpt'), { timeout: 10_000 }).toBe('true');
    await type('QUIT');
    await page.getByLabel(/Nobody: the client that heard the 550/).check();
    await page.getByTestId('check-answer').click();
    await expect.poll(() => goalMet('who-reports')).toBe('true');

    // Complete: the tally against par, said in words (the reference solution also QUITs its first session).
    await page.getByTestId('lesson-complete').waitFor();
    const tally = page.getByTestId('lesson-complete').getByTestId('par');
    expect(await tally.getAttribute('data-state')).toBe('complete');
    expect((await tally.textContent())?.replace(/\s+/g, ' ').trim()).toBe('You used 8 commands; par is 9. Under par: fewer than the reference solution.');
    expect(await par().count()).toBe(1);
    await lab.screenshot('casebook-fixed-1366');
  });
});
