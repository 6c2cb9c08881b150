/**
 * A learner's first conversation, in a real Chromium against the real bridge and smtp-server:
 * type each command, read each reply, and watch the statechart follow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import type { Page } from 'playwright-core';
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

async function state(): Promise<string> {
  return ((await page.getByTestId('current-state').textContent()) ?? '').trim();
}

async function text(testId: string): Promise<string> {
  return (await page.getByTestId(testId).textContent()) ?? '';
}

async function serverLines(): Promise<string[]> {
  return page.locator('[data-testid="transcript-line"][data-dir="server"]').allTextContents();
}

/** Types a line, presses Enter, and waits until a new server line that matches arrives. */
async function type(line: string, expectReply: RegExp | null, expectState: string): Promise<void> {
  const before = (await serverLines()).length;
  const input = page.getByTestId('terminal-input');
  await input.fill(line);
  await input.press('Enter');
  if (expectReply) {
    await expect
      .poll(async () => (await serverLines()).slice(before).some((text) => expectReply.test(text)), { timeout: 10_000 })
      .toBe(true);
  }
  await expect.poll(state, { timeout: 10_000 }).toBe(expectState);
  await expect.poll(() => page.locator(`[data-testid="statechart"] [data-state="${expectState}"][data-active="true"]`).count()).toBe(1);
}

describe('the terminal, end to end', () => {
  it('walks a whole SMTP transaction and the statechart follows every reply', async () => {
    await page.getByTestId('connect').click();
    await expect.poll(async () => (await serverLines()).some((t) => /220/.test(t)), { timeout: 10_000 }).toBe(true);
    await expect.poll(state).toBe('greeted');
    await expect.poll(() => page.getByTestId('terminal-input').evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await page.getByTestId('valid-now').textContent()).toMatch(/EHLO/);

    await type('EHLO browser.test', /250 /, 'ready');
    expect((await serverLines()).join('\n')).toMatch(/PIPELINING/);
    expect(await page.getByTestId('valid-now').textContent()).toMatch(/MAIL/);

    await type('MAIL FROM:<learner@lab.test>', /^.*250/, 'mail');
    await type('RCPT TO:<alice@example.test>', /250/, 'rcpt');
    await type('DATA', /354/, 'data');
    await expect.poll(() => text('terminal-mode')).toContain('DATA');

    for (const line of ['From: learner@lab.test', 'To: alice@example.test', 'Subject: Typed by hand', '', 'Hello from the lab.']) {
      await type(line, null, 'data');
    }
    await type('.', /250.*queued/i, 'ready');
    await expect.poll(() => text('terminal-mode')).not.toContain('DATA');

    // Selecting a reply explains it.
    await page.locator('[data-testid="transcript-line"][data-dir="server"]', { hasText: /S: 354 / }).first().click();
    await expect.poll(() => text('explanation')).toContain('354');
    await expect.poll(() => text('explanation')).toMatch(/RFC 5321/);

    await type('QUIT', /221/, 'closed');
    await expect.poll(() => page.getByTestId('terminal-input').isDisabled()).toBe(true);

    const messages = (await (await fetch(new URL('/api/messages', bridge.webUrl))).json()) as Array<{ subject: string }>;
    expect(messages.map((m) => m.subject)).toContain('Typed by hand');

    await lab.screenshot('terminal');
  });

  it('keeps history on Up/Down and marks lines after STARTTLS as encrypted', async () => {
    await page.getByTestId('connect').click();
    await expect.poll(state, { timeout: 10_000 }).toBe('greeted');
    await type('EHLO tls.test', /250 /, 'ready');
    await type('STARTTLS', /220/, 'greeted');
    await type('EHLO tls.test', /250 /, 'ready');
    const tlsFlags = await page.locator('[data-testid="transcript-line"][data-dir="server"]').evaluateAll((rows) =>
      rows.map((row) => row.getAttribute('data-tls')),
    );
    expect(tlsFlags.at(-1)).toBe('true');
    expect(tlsFlags[0]).toBe('false');
    expect((await serverLines()).join('\n')).toMatch(/AUTH PLAIN LOGIN/);

    const input = page.getByTestId('terminal-input');
    await input.press('ArrowUp');
    await expect.poll(() => input.inputValue()).toBe('EHLO tls.test');
    await input.press('ArrowUp');
    await expect.poll(() => input.inputValue()).toBe('STARTTLS');
    await input.press('ArrowDown');
    await expect.poll(() => input.inputValue()).toBe('EHLO tls.test');
    await input.fill('');
    await page.getByTestId('disconnect').click();
    await expect.poll(state).toBe('closed');
  });

  it('sends pasted lines together: pipelining, with the replies in order', async () => {
    await page.getByTestId('connect').click();
    await expect.poll(state, { timeout: 10_000 }).toBe('greeted');
    await type('EHLO paste.test', /250 /, 'ready');
    const before = (await serverLines()).length;
    await page.getByTestId('terminal-input').evaluate((input) => {
      const data = new DataTransfer();
      data.setData('text/plain', 'MAIL FROM:<learner@lab.test>\nRCPT TO:<alice@example.test>\nDATA\n');
      input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    });
    expect(await text('pipeline-batch')).toContain('3 lines pasted');
    await page.getByTestId('pipeline-send').click();
    await expect.poll(state, { timeout: 10_000 }).toBe('data');
    const rows = await page.locator('[data-testid="transcript-line"]').evaluateAll((elements) =>
      elements.map((row) => row.getAttribute('data-dir')),
    );
    // The three commands left before the first of their replies came back.
    const lastThree = rows.filter((dir) => dir !== 'info').slice(-6);
    expect(lastThree).toEqual(['client', 'client', 'client', 'server', 'server', 'server']);
    expect((await serverLines()).slice(before).map((line) => /S:\s*([2-5]\d\d)/.exec(line)?.[1])).toEqual(['250', '250', '354']);
    await page.getByTestId('disconnect').click();
    await expect.poll(state).toBe('closed');
  });

  it('shows an outside client live in the list of conversations', async () => {
    const items = page.getByTestId('conversation-item').and(page.locator('[data-origin="external"]'));
    const before = await items.count();
    const socket = connect(bridge.smtp.port, '127.0.0.1');
    socket.on('data', (chunk) => {
      if (/^220 /m.test(String(chunk))) socket.write('EHLO outside.test\r\n');
    });
    await expect.poll(() => items.count(), { timeout: 10_000 }).toBe(before + 1);
    await items.first().click();
    await expect.poll(state, { timeout: 10_000 }).toBe('ready');
    socket.end('QUIT\r\n');
    await expect.poll(state, { timeout: 10_000 }).toBe('closed');
  });

  it('counts the same hidden bytes of an over-long line in the transcript and in the explanation of its reply', async () => {
    await page.getByTestId('connect').click();
    await expect.poll(state, { timeout: 10_000 }).toBe('greeted');
    await type('x'.repeat(20_000), /421/, 'closed');
    const line = page.locator('[data-testid="transcript-line"][data-dir="client"]').last();
    const hidden = /… (\d+) more bytes/.exec((await line.textContent()) ?? '')?.[1];
    // 20,000 typed, 300 drawn: the rest is hidden, whether the tap recorded it or not.
    expect(hidden).toBe('19700');
    await page.locator('[data-testid="transcript-line"][data-dir="server"]', { hasText: /S: 421 / }).last().click();
    await expect.poll(() => text('explanation')).toContain('421');
    // The explanation draws 60 characters of the command it answers.
    expect(await text('explanation')).toContain('… 19940 more bytes');
  });
});
