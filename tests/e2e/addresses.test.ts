/**
 * Addresses in a real Chromium: every place has a URL, a link opened on a fresh page lands there
 * (and says so when what it names is gone), Back and Forward move between places, the header's
 * links are places rather than toggles, and Connect while a session is open asks first.
 */
import nodemailer from 'nodemailer';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { labPageForFile, type LabPage } from '../support/lab-page';

let lab: LabPage;
let page: Page;
labPageForFile((opened) => ({ lab, page } = opened));

const hash = () => page.evaluate(() => location.hash);
const connected = () => page.getByTestId('connection-status').filter({ hasText: /connected/i }).waitFor();

/** A fresh page load on this address, as a bookmark or a link from elsewhere would open it. */
async function openFresh(address: string): Promise<void> {
  await page.goto('about:blank');
  await page.goto(new URL(address, lab.bridge.webUrl).href);
  await connected();
}

/** A message through the lab's SMTP port, as an outside client sends it: the lab server captures it. */
async function sendMessage(subject: string, text: string): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: lab.bridge.lab.smtpAddress.port, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail({ from: 'learner@lab.test', to: 'alice@example.test', subject, text });
  } finally {
    transport.close();
  }
}

describe('a link to a lesson step', () => {
  it('opens the lesson at that step on a fresh page, and names a lesson that does not exist', async () => {
    await openFresh('/#/lessons/first-transaction/2');
    await expect.poll(() => page.locator('#lesson-title').textContent()).toContain('The first transaction');
    await expect.poll(() => page.getByTestId('lesson-step').getAttribute('data-step')).toBe('1');
    expect(await page.getByTestId('lessons-tab').getAttribute('aria-current')).toBe('page');
    expect(await hash()).toBe('#/lessons/first-transaction/2');

    // A step taken is a new address; Back returns to the step before, Forward to the one after.
    await page.getByRole('button', { name: '← Previous' }).click();
    await expect.poll(hash).toBe('#/lessons/first-transaction/1');
    await page.goBack();
    await expect.poll(() => page.getByTestId('lesson-step').getAttribute('data-step')).toBe('1');
    expect(await hash()).toBe('#/lessons/first-transaction/2');
    await page.goForward();
    await expect.poll(() => page.getByTestId('lesson-step').getAttribute('data-step')).toBe('0');

    await openFresh('/#/lessons/no-such-lesson/1');
    await expect.poll(() => page.getByTestId('unknown-lesson').textContent()).toContain('no-such-lesson');
    expect(await page.getByTestId('lesson-item').count()).toBeGreaterThan(0);
  });
});

describe('a link to a message', () => {
  it('opens the mailbox and the message on a fresh page, and says when the message is gone', async () => {
    await sendMessage('Found by its address', 'Bookmarked.');
    await page.getByTestId('inbox-tab').click();
    const mailbox = page.locator('[data-testid="mailbox-item"][data-address="alice@example.test"]');
    await mailbox.waitFor({ timeout: 20_000 });
    await mailbox.click();
    const entry = page.getByTestId('mailbox-message').filter({ hasText: 'Found by its address' });
    await expect.poll(() => entry.count(), { timeout: 20_000 }).toBe(1);
    await entry.click();
    const id = await page.getByTestId('inbox-message').getAttribute('data-id');
    expect(id).toBeTruthy();
    const address = await hash();
    expect(address).toBe(`#/inbox/${encodeURIComponent('alice@example.test')}/${id}`);

    await openFresh(`/${address}`);
    await expect.poll(() => page.getByTestId('message-subject').textContent(), { timeout: 15_000 }).toBe('Found by its address');
    expect(await page.getByTestId('inbox-tab').getAttribute('aria-current')).toBe('page');

    await openFresh(`/#/inbox/${encodeURIComponent('alice@example.test')}/m-gone-long-ago`);
    await expect.poll(() => page.getByTestId('inbox').textContent(), { timeout: 15_000 }).toMatch(/no longer exists/);
    await openFresh('/#/inbox/nobody%40nowhere.test');
    await expect.poll(() => page.getByTestId('missing-mailbox').textContent()).toContain('nobody@nowhere.test');
  });
});

describe('a link to a captured message', () => {
  it('opens a message the lab server captured over the page; Back closes it, Forward and a fresh page open it', async () => {
    await sendMessage('Captured, with an address', 'Bookmarked.');
    await openFresh('/#/');
    const item = page.locator('[data-testid="message-item"]').filter({ hasText: 'Captured, with an address' });
    await item.waitFor({ timeout: 15_000 });
    const id = await item.getAttribute('data-message');
    expect(id).toBeTruthy();
    const dialog = page.getByTestId('message-view');
    const shown = () => dialog.evaluate((d) => (d as HTMLDialogElement).open);
    const page0 = await hash();

    await item.getByTestId('message-open').click();
    await expect.poll(hash).toBe(`#/messages/${encodeURIComponent(id!)}`);
    await expect.poll(() => page.getByTestId('message-text').textContent(), { timeout: 15_000 }).toContain('Bookmarked.');
    await page.goBack();
    await expect.poll(shown).toBe(false);
    expect(await hash()).toBe(page0);
    await page.goForward();
    await expect.poll(shown).toBe(true);
    await expect.poll(() => page.getByTestId('message-text').textContent(), { timeout: 15_000 }).toContain('Bookmarked.');
    // Closing it is the same as Back: the page it was opened over, and Forward opens it again.
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect.poll(hash).toBe(page0);
    expect(await shown()).toBe(false);

    // Opened over a lesson, it closes back to the lesson.
    await page.goto(new URL('/#/lessons/first-transaction/2', lab.bridge.webUrl).href);
    await page.getByTestId('lesson-step').waitFor();
    await page.evaluate((to) => (location.hash = to), `#/messages/${encodeURIComponent(id!)}`);
    await expect.poll(shown).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(shown).toBe(false);
    expect(await hash()).toBe('#/lessons/first-transaction/2');
    expect(await page.getByTestId('lesson-step').getAttribute('data-step')).toBe('1');

    // A bookmark: a fresh page opens the message over the lab.
    await openFresh(`/#/messages/${encodeURIComponent(id!)}`);
    await expect.poll(shown).toBe(true);
    await expect.poll(() => page.getByTestId('message-text').textContent(), { timeout: 15_000 }).toContain('Bookmarked.');
    await lab.screenshot('addresses-captured-message');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect.poll(hash).toMatch(/^#\/(c\/.+)?$/);
    expect(await shown()).toBe(false);
  });
});

describe('Back and Forward', () => {
  it('move between the lab, the inbox, the world and a lesson; pressing a place again stays there', async () => {
    await openFresh('/#/');
    const conversations = page.getByRole('navigation', { name: 'Conversations and messages' });
    await conversations.waitFor();
    expect(await page.getByTestId('lab-tab').getAttribute('aria-current')).toBe('page');

    await page.getByTestId('inbox-tab').click();
    await page.getByTestId('inbox').waitFor();
    await page.getByTestId('world-tab').click();
    await page.getByTestId('world-page').waitFor();
    // A place, not a toggle: the same link again keeps the world.
    await page.getByTestId('world-tab').click();
    expect(await page.getByTestId('world-page').count()).toBe(1);
    await page.getByTestId('lessons-tab').click();
    await page.locator('[data-testid="lesson-item"][data-lesson="hello-server"]').click();
    await page.getByTestId('lesson-intro').waitFor();
    expect(await hash()).toBe('#/lessons/hello-server');
    // The Lessons link keeps its name whatever is open.
    expect(await page.getByTestId('lessons-tab').textContent()).toBe('Lessons');

    await page.goBack();
    await page.getByTestId('lesson-item').first().waitFor();
    expect(await hash()).toBe('#/lessons');
    await page.goBack();
    await page.getByTestId('world-page').waitFor();
    await page.goBack();
    await page.getByTestId('inbox').waitFor();
    await page.goBack();
    await conversations.waitFor();
    expect(await page.getByTestId('lab-tab').getAttribute('aria-current')).toBe('page');
    // Still the app: Back never left it.
    expect(new URL(page.url()).origin).toBe(new URL(lab.bridge.webUrl).origin);

    await page.goForward();
    await page.getByTestId('inbox').waitFor();
    await page.goForward();
    await page.getByTestId('world-page').waitFor();
    await page.goForward();
    await page.goForward();
    await page.getByTestId('lesson-intro').waitFor();
    expect(await page.locator('#lesson-title').textContent()).toContain('Hello');
  });
});

describe('Connect while a session is open', () => {
  it('asks whether to open a second session, by keyboard: Escape keeps one, Enter opens another', async () => {
    await openFresh('/#/');
    await page.getByTestId('terminal-tab').click();
    const terminals = () => page.locator('[data-testid="conversation-item"]').count();
    const before = await terminals();
    await page.getByTestId('connect').click();
    await expect.poll(terminals, { timeout: 10_000 }).toBe(before + 1);
    await expect.poll(() => page.getByTestId('terminal-input').isEnabled(), { timeout: 10_000 }).toBe(true);
    await expect.poll(hash).toMatch(/^#\/c\//);

    await page.getByTestId('connect').click();
    const ask = page.getByTestId('second-session');
    await ask.waitFor();
    expect(await ask.textContent()).toMatch(/still connected/);
    await page.keyboard.press('Escape');
    await expect.poll(() => ask.isVisible()).toBe(false);
    expect(await terminals()).toBe(before + 1);

    await page.getByTestId('connect').click();
    await ask.waitFor();
    await page.keyboard.press('Enter');
    await expect.poll(terminals, { timeout: 10_000 }).toBe(before + 2);

    // Back returns to the first session's address.
    const second = await hash();
    await page.goBack();
    await expect.poll(hash).not.toBe(second);
    const first = await hash();
    expect(first).toMatch(/^#\/c\//);
    const selected = () => page.locator('[data-testid="conversation-item"][aria-current="true"]').getAttribute('data-conversation');
    await expect.poll(selected).toBe(decodeURIComponent(first.slice('#/c/'.length)));

    // A link to a conversation opens it once the lab has said which exist, even when it is not the newest.
    await openFresh(`/${first}`);
    await expect.poll(selected).toBe(decodeURIComponent(first.slice('#/c/'.length)));
    expect(await hash()).toBe(first);
    await openFresh('/#/c/c-that-never-was');
    await expect.poll(() => page.getByTestId('notice').allTextContents().then((t) => t.join(' '))).toMatch(/c-that-never-was.*no longer exists/);
    expect(await hash()).toMatch(/^#\/c\/(?!c-that-never-was)/);
  });
});
