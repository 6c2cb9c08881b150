/**
 * Be the server in Chromium: the learner opens the view by its address, starts nodemailer against
 * their own server, and types the server's side of a whole delivery with the keyboard (a chip for
 * the greeting, a multi-line EHLO reply with Shift+Enter). A reply that is not SMTP is refused
 * inline and never sent; nodemailer's report shows what the typed replies did. The view fits a
 * laptop and a phone.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { seriousFindings } from '../support/axe';
import { labPageForFile, type LabPage } from '../support/lab-page';

let lab: LabPage;
let page: Page;
labPageForFile((opened) => ({ lab, page } = opened));

/** The command the client waits on, as the page's session machine reads it from the server's side. */
async function owed(command: RegExp): Promise<void> {
  await expect.poll(async () => (await page.getByTestId('seat-owed').locator('code').textContent({ timeout: 1000 }).catch(() => '')) ?? '', { timeout: 10_000 }).toMatch(command);
}

async function type(...lines: string[]): Promise<void> {
  const input = page.getByTestId('seat-input');
  await input.focus();
  for (const [index, line] of lines.entries()) {
    await page.keyboard.type(line);
    if (index < lines.length - 1) await page.keyboard.press('Shift+Enter');
  }
  await page.keyboard.press('Enter');
}

const serverLines = () => page.locator('[data-testid=seat-lines] li[data-dir=server] .text').allTextContents();

describe('Be the server in the browser', () => {
  it('types the server side of a whole delivery to nodemailer, with a refused reply never sent', async () => {
    await page.getByTestId('seat-tab').click();
    expect(new URL(page.url()).hash).toBe('#/serve');
    await page.getByTestId('seat-teaching').getByText(/Teaching mode: nodemailer waits up to 10 minutes for each reply here, the relay 10/).waitFor();
    await page.getByTestId('seat-client').selectOption('nodemailer');
    await page.getByTestId('seat-message').selectOption('note');
    await page.getByTestId('seat-start').click();

    await page.getByTestId('seat-status').getByText(/Listening on 127\.0\.0\.1:\d+/).waitFor();
    await owed(/<greeting>/);
    await page.getByTestId('seat-countdown').getByText(/the client waits (9|10):\d\d more/).waitFor();

    // Not SMTP: refused here with the reason, and nothing reaches the client.
    await type('hello client');
    await page.getByTestId('seat-reply-error').getByText(/Not sent: .*three-digit code/).waitFor();
    expect(await serverLines()).toEqual([]);

    // The chip for the greeting fills the input; Enter sends it as shown.
    await page.getByTestId('seat-chip').filter({ hasText: 'Greet (220)' }).click();
    await page.keyboard.press('Enter');
    await owed(/^EHLO app\.lab\.test$/);
    expect(await page.getByTestId('seat-reply-error').textContent()).toBe('');
    await type('250-mx.you.test at your service', '250 8BITMIME');
    await owed(/^MAIL FROM:<learner@lab\.test>/);
    await type('250 2.1.0 sender OK');
    await owed(/^RCPT TO:<bob@you\.test>$/);
    await page.getByTestId('seat-chip').filter({ hasText: 'Recipient OK (250)' }).waitFor();
    await type('250 2.1.5 recipient OK');
    await owed(/^DATA$/);
    await type('354 go ahead');
    await owed(/^\.$/);
    await type('250 2.0.0 queued as BROWSER1');

    const report = page.getByTestId('seat-reports').locator('li').first();
    await report.getByText(/Accepted: bob@you\.test/).waitFor();
    expect(await report.textContent()).toContain('250 2.0.0 queued as BROWSER1');
    // The client's report and the transcript's last line come by different ways: wait for both.
    const sent = async () => (await serverLines()).map((line) => line.replace(/ 🔒$/, ''));
    await expect.poll(sent, { timeout: 10_000 }).toEqual([
      '220 mx.you.test ESMTP ready',
      '250-mx.you.test at your service',
      '250 8BITMIME',
      '250 2.1.0 sender OK',
      '250 2.1.5 recipient OK',
      '354 go ahead',
      '250 2.0.0 queued as BROWSER1',
    ]);
    await lab.screenshot('be-the-server-1366');
    expect(await seriousFindings(page)).toEqual([]);
  });

  it('ticks lesson 30 from what was typed at the seat', async () => {
    await page.evaluate(() => (location.hash = '#/lessons/be-the-server'));
    await page.getByTestId('begin-lesson').click();
    await page.getByTestId('lesson-step').getByText(/Greet the client/).waitFor();
    // The lesson's link opens Be the server; what is typed there counts for the lesson.
    await page.getByTestId('lesson-panel').getByRole('link', { name: 'Be the server' }).first().click();
    await page.getByTestId('seat-message').selectOption('note');
    await page.getByTestId('seat-start').click();
    await owed(/<greeting>/);
    await type('220 mx.you.test ESMTP ready');
    await owed(/^EHLO /);
    await type('250 mx.you.test');
    await owed(/^MAIL FROM:/);
    await type('250 OK');
    await owed(/^RCPT TO:/);
    await type('250 OK');
    await owed(/^DATA$/);
    await type('354 go ahead');
    await owed(/^\.$/);
    await type('250 2.0.0 queued');
    await page.getByTestId('seat-reports').locator('li').first().getByText(/Accepted: bob@you\.test/).waitFor();
    await page.getByTestId('lessons-tab').click();
    await page.getByTestId('step-done').waitFor();
    expect(await page.locator('[data-testid=goal][data-met=false]').count()).toBe(0);
    expect(await page.locator('[data-testid=goal][data-met=true]').count()).toBe(4);
    await page.getByTestId('next-step').click();
    await page.getByTestId('lesson-complete').waitFor();
  });

  it('fits a phone: nothing wider than the screen, the reply input reachable', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => (location.hash = '#/serve'));
    await page.getByTestId('seat-start').click();
    await owed(/<greeting>/);
    const overflow = await page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > width + 1);
      return { by: document.documentElement.scrollWidth - width, wide: wide.slice(0, 5).map((e) => `${e.tagName}.${e.className}`) };
    });
    expect(overflow).toEqual({ by: 0, wide: [] });
    await page.getByTestId('seat-input').scrollIntoViewIfNeeded();
    expect(await page.getByTestId('seat-input').isVisible()).toBe(true);
    await lab.screenshot('be-the-server-390');
    await page.setViewportSize({ width: 1366, height: 768 });
  });
});
