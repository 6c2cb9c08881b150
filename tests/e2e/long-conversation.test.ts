/**
 * A long conversation in a real Chromium: the welcome brings only its newest lines, and opening it
 * brings the earlier ones from the bridge, so the learner still reads it from EHLO on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import type { Page } from 'playwright-core';
import { RECENT_LINES_PER_CONVERSATION } from '../../core/protocol/pages';
import { openLabPage, type LabPage } from '../support/lab-page';
import type { TestBridge } from '../support/lab-process';

let lab: LabPage;
let bridge: TestBridge;
let page: Page;

beforeAll(async () => {
  lab = await openLabPage({ width: 1440, height: 900 });
  ({ bridge, page } = lab);
}, 180_000);

afterAll(() => lab?.close());

describe('a conversation longer than the welcome carries', () => {
  it('brings its earlier lines when the learner opens it', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: bridge.lab.smtpAddress.port, ignoreTLS: true });
    const body = Array.from({ length: 3 * RECENT_LINES_PER_CONVERSATION }, (_, n) => `body line ${n}`).join('\n');
    await transport.sendMail({ from: 'learner@lab.test', to: 'bob@lab.test', subject: 'A long one', text: body });
    transport.close();

    // A page that joins now gets the newest lines of each conversation in its welcome.
    await page.reload();
    const item = page.locator('[data-testid="conversation-item"][data-origin="external"]').first();
    await item.click();
    await page.getByTestId('transcript-tab').click();
    const lines = page.locator('[data-testid="transcript-line"]');
    // The transcript draws only the rows in view: the newest now, the first after Home.
    await expect.poll(() => lines.filter({ hasText: `body line ${3 * RECENT_LINES_PER_CONVERSATION - 1}` }).count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const transcript = page.getByTestId('transcript');
    await expect.poll(async () => Number(await transcript.getAttribute('data-lines')), { timeout: 10_000 }).toBeGreaterThan(3 * RECENT_LINES_PER_CONVERSATION);
    await transcript.focus();
    await page.keyboard.press('Home');
    await expect.poll(() => lines.filter({ hasText: /^.*EHLO/ }).count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => lines.filter({ hasText: 'body line 0' }).count()).toBeGreaterThan(0);
  }, 60_000);
});
