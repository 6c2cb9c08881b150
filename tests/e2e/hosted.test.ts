/**
 * Hosted mode in two real browsers (two Chromium profiles, so two cookie jars): each learner has a
 * lab of their own and sees only its mail and conversations, across a reload too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import type { Page } from 'playwright-core';
import { ensureAppBuilt } from '../../bridge/app-build';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { startHostedTestBridge, type HostedTestBridge } from '../support/lab-process';

let bridge: HostedTestBridge;
const browsers: TestBrowser[] = [];
let ada: Page;
let ben: Page;

async function openPage(): Promise<Page> {
  const browser = await launchBrowser({ width: 1440, height: 900 });
  browsers.push(browser);
  const page = await browser.context.newPage();
  await page.goto(bridge.webUrl);
  await page.getByTestId('connection-status').filter({ hasText: /connected/i }).waitFor();
  return page;
}

/** The login the page shows: the lab's own account in hosted mode. */
async function login(page: Page): Promise<{ user: string; pass: string }> {
  await page.getByTestId('lab-login').filter({ hasText: /lab-/ }).waitFor();
  const [user = '', pass = ''] = await page.getByTestId('lab-login').locator('code').allTextContents();
  return { user, pass };
}

async function serverLines(page: Page): Promise<string[]> {
  return page.locator('[data-testid="transcript-line"][data-dir="server"]').allTextContents();
}

async function type(page: Page, line: string, reply: RegExp | null): Promise<void> {
  const before = (await serverLines(page)).length;
  const input = page.getByTestId('terminal-input');
  await input.fill(line);
  await input.press('Enter');
  if (reply) await expect.poll(async () => (await serverLines(page)).slice(before).some((t) => reply.test(t)), { timeout: 10_000 }).toBe(true);
}

const subjects = (page: Page) => page.getByTestId('message-item').allTextContents();

beforeAll(async () => {
  await ensureAppBuilt();
  bridge = await startHostedTestBridge();
  ada = await openPage();
  ben = await openPage();
}, 180_000);

afterAll(async () => {
  for (const browser of browsers) await browser.close();
  await bridge?.close();
});

describe('hosted mode, two learners', () => {
  it('gives each browser a lab with its own login', async () => {
    const [adaLogin, benLogin] = [await login(ada), await login(ben)];
    expect(adaLogin.user).toMatch(/^lab-[0-9a-f]{8}$/);
    expect(benLogin.user).toMatch(/^lab-[0-9a-f]{8}$/);
    expect(adaLogin.user).not.toBe(benLogin.user);
  });

  it('shows a learner’s terminal conversation and message to that learner only', async () => {
    await ada.getByTestId('connect').click();
    await expect.poll(async () => (await serverLines(ada)).some((t) => /220/.test(t)), { timeout: 10_000 }).toBe(true);
    await type(ada, 'EHLO ada.test', /250 /);
    await type(ada, 'MAIL FROM:<ada@lab.test>', /250/);
    await type(ada, 'RCPT TO:<bob@lab.test>', /250/);
    await type(ada, 'DATA', /354/);
    for (const line of ['Subject: Ada typed this', '', 'Only Ada should see it.']) await type(ada, line, null);
    await type(ada, '.', /250.*queued/i);
    await type(ada, 'QUIT', /221/);

    await expect.poll(() => subjects(ada), { timeout: 10_000 }).toContainEqual(expect.stringContaining('Ada typed this'));
    expect(await ben.getByTestId('conversation-item').count()).toBe(0);
    expect((await subjects(ben)).join('\n')).not.toContain('Ada typed this');
  });

  it('routes an outside client by its lab login, and a reload keeps the lab', async () => {
    const benLogin = await login(ben);
    const ca = await (await fetch(new URL('/api/ca.pem', bridge.webUrl))).text();
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: bridge.smtp.port,
      requireTLS: true,
      auth: benLogin,
      tls: { ca, servername: 'localhost' },
    });
    await transport.sendMail({ from: 'app@example.test', to: 'bob@lab.test', subject: 'From Ben’s app', text: 'Hello Ben.\n' });
    transport.close();

    await expect.poll(() => subjects(ben), { timeout: 10_000 }).toContainEqual(expect.stringContaining('From Ben’s app'));
    await expect.poll(() => ben.locator('[data-testid="conversation-item"][data-origin="external"]').count()).toBe(1);
    expect((await subjects(ada)).join('\n')).not.toContain('From Ben’s app');
    expect(await ada.locator('[data-testid="conversation-item"][data-origin="external"]').count()).toBe(0);

    await ben.reload();
    await ben.getByTestId('connection-status').filter({ hasText: /connected/i }).waitFor();
    expect((await login(ben)).user).toBe(benLogin.user);
    await expect.poll(() => subjects(ben), { timeout: 10_000 }).toContainEqual(expect.stringContaining('From Ben’s app'));
  });

  it("names each learner's own domain in a lesson on it, not learner.test", async () => {
    for (const page of [ada, ben]) {
      const { learnerDomain } = await page.evaluate(async () => (await (await fetch('/api/lab')).json()) as { learnerDomain: string });
      expect(learnerDomain).toMatch(/^lab-[0-9a-f]+\.learner\.test$/);
      await page.getByTestId('lessons-tab').click();
      await page.locator('[data-testid="lesson-item"][data-lesson="dkim-carries"]').click();
      const intro = page.getByTestId('lesson-intro');
      await intro.waitFor();
      await expect.poll(() => intro.textContent()).toContain(`Your domain, ${learnerDomain}, starts`);
      expect(await intro.textContent()).not.toContain('{domain}');
    }
  });
});
