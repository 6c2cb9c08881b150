/**
 * Any moment of a conversation, and a conversation another lab shared, in a real Chromium: an early
 * line chosen shows the statechart as it was then (marked as the past), the slider moves through
 * the moments from the keyboard, Back to live and Escape return, and a shared file opens read-only
 * with the same views (a bad file gets an error that says why).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { toJson } from '../../core/export/transcript-export';
import { wire } from '../../core/machines/test-wire';
import { openLabPage, type LabPage } from '../support/lab-page';

let lab: LabPage;
let page: Page;
let dir: string;

beforeAll(async () => {
  lab = await openLabPage({ width: 1366, height: 768 });
  ({ page } = lab);
  dir = await mkdtemp(join(tmpdir(), 'smtp-lab-shared-'));
}, 180_000);

afterAll(async () => {
  await lab?.close();
  await rm(dir, { recursive: true, force: true });
});

const state = async () => ((await page.getByTestId('current-state').textContent()) ?? '').trim();
const status = async () => ((await page.locator('.moment [role="status"]').textContent()) ?? '').trim();
const lines = () => page.locator('[data-testid="transcript-line"]');

async function type(line: string, expectState: string): Promise<void> {
  const input = page.getByTestId('terminal-input');
  await input.fill(line);
  await input.press('Enter');
  await expect.poll(state, { timeout: 10_000 }).toBe(expectState);
}

/** Open a file through the "Open a shared conversation" button and the browser's file picker. */
async function openShared(path: string): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.getByTestId('open-shared').click();
  await (await chooser).setFiles(path);
}

describe('any moment of a conversation', () => {
  it('shows the statechart as it was after an early line, moves with the slider, and returns to live', async () => {
    // Before any conversation there is no past to scrub through.
    expect(await page.getByTestId('moment-slider').count()).toBe(0);
    await page.getByTestId('connect').click();
    await expect.poll(state, { timeout: 10_000 }).toBe('greeted');
    await type('EHLO browser.test', 'ready');
    await type('MAIL FROM:<alice@example.test>', 'mail');
    expect(await status()).toBe('Live');

    // The greeting: the session had not said EHLO yet.
    await lines().filter({ hasText: '220 ' }).first().click();
    await expect.poll(state).toBe('greeted');
    expect(await status()).toMatch(/^The past: views after line \d+ of \d+$/);
    expect(await page.locator('.column.right[data-past]').count()).toBe(1);
    await lab.screenshot('moment-past');

    // The slider, from the keyboard: the first moment, then the last, then Escape back to live.
    const slider = page.getByTestId('moment-slider');
    await slider.focus();
    await slider.press('Home');
    await expect.poll(state).toBe('connecting');
    await slider.press('End');
    await expect.poll(state).toBe('mail');
    expect(await status()).toMatch(/^The past/);
    await slider.press('Escape');
    await expect.poll(status).toBe('Live');
    expect(await page.locator('.column.right[data-past]').count()).toBe(0);

    // The EHLO reply, then the button.
    await lines().filter({ hasText: 'EHLO browser.test' }).first().click();
    await expect.poll(state).toBe('greeted');
    await page.getByTestId('back-to-live').click();
    await expect.poll(state).toBe('mail');
    expect(await status()).toBe('Live');

    // Typing acts in the present: a line sent while the views show the past brings them back.
    await lines().filter({ hasText: '220 ' }).first().click();
    await expect.poll(state).toBe('greeted');
    await type('RSET', 'ready');
    expect(await status()).toBe('Live');
  });

  it('copies the conversation as a Python script that names the lab\'s SMTP port', async () => {
    await page.getByTestId('copy-as').click();
    await page.getByTestId('copy-as-python').check();
    const text = (await page.getByTestId('copy-as-text').textContent()) ?? '';
    expect(text).toContain('s.ehlo("browser.test")');
    expect(text).toContain('s.mail("alice@example.test")\ns.rset()');
    expect(text).toMatch(/smtplib\.SMTP\("127\.0\.0\.1", \d+\)/);
    // The menu is a copy of this conversation: it stays open only while this one is shown.
  });
});

describe('a shared conversation', () => {
  it('opens read-only with the transcript, the statechart and any moment', async () => {
    const events = wire(`
      * connected
      S: 220 far.lab.test ESMTP
      C: EHLO sharer.test
      S: 250 far.lab.test
      C: MAIL FROM:<bob@example.test>
      S: 250 ok
      C: QUIT
      S: 221 bye
      * closed`).map((event) => ({ ...event, conversation: 'c77' }));
    const path = join(dir, 'shared.json');
    await writeFile(path, toJson(events));
    await openShared(path);

    await page.getByTestId('shared-view').waitFor();
    await expect.poll(() => lines().count()).toBe(events.length);
    expect(await page.getByTestId('terminal-input').count()).toBe(0);
    await expect.poll(state).toBe('closed');
    await lines().filter({ hasText: 'MAIL FROM:<bob@example.test>' }).click();
    await expect.poll(state).toBe('ready');
    await lines().filter({ hasText: '250 ok' }).click();
    await expect.poll(state).toBe('mail');
    await expect.poll(async () => (await page.getByTestId('explanation').textContent()) ?? '').toContain('250');
    await lab.screenshot('shared-moment');
    // The ladder of that moment: the 5 arrows up to the chosen line as they were, the 2 after it faded.
    await page.getByTestId('ladder-tab').click();
    await expect.poll(() => page.getByTestId('ladder-arrow').count()).toBe(7);
    expect(await page.locator('[data-testid="ladder-arrow"]:not([data-later])').count()).toBe(5);
    expect(await page.locator('[data-testid="ladder-arrow"][data-later="true"]').count()).toBe(2);
    await page.getByTestId('transcript-tab').click();
    await page.getByTestId('back-to-live').click();
    await expect.poll(state).toBe('closed');

    // Choosing one of the lab's own conversations goes back to it.
    await page.getByTestId('conversation-item').first().click();
    await page.getByTestId('terminal-input').waitFor();
  });

  it('says what is wrong with a file that is not a shared conversation', async () => {
    const path = join(dir, 'notes.json');
    await writeFile(path, JSON.stringify({ conversation: 'c1', lines: [{ dir: 'sideways', text: '', at: 0, tls: false, hop: 0 }] }));
    await openShared(path);
    const notice = page.getByTestId('notice').filter({ hasText: 'notes.json' });
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/notes\.json is not a shared SMTP Lab conversation: line 1 \(dir\)/);
    expect(await page.getByTestId('shared-view').count()).toBe(0);
  });
});
