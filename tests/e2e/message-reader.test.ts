/**
 * The message reader in Chromium against the real bridge: mail with encoded subjects, names and
 * attachment names, sent by a real client to the lab's SMTP port and relayed into a mailbox, reads
 * decoded and the same in the list and the reader; a message with a broken boundary says why
 * its body is not shown.
 */
import { readFile } from 'node:fs/promises';
import nodemailer from 'nodemailer';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { labPageForFile, type LabPage } from '../support/lab-page';
import { brokenBoundary, crlf, decoded, nestedMessage } from '../support/mime-samples';

let lab: LabPage;
let page: Page;
labPageForFile((opened) => ({ lab, page } = opened));

/** Sends the message exactly as written, as any outside client would. */
async function sendRaw(to: string, raw: string): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: lab.bridge.lab.smtpAddress.port, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail({ envelope: { from: 'learner@lab.test', to: [to] }, raw });
  } finally {
    transport.close();
  }
}

async function openMessage(address: string, listSubject: string): Promise<void> {
  await page.getByTestId('inbox-tab').click();
  const mailbox = page.locator(`[data-testid="mailbox-item"][data-address="${address}"]`);
  await expect.poll(() => mailbox.count(), { timeout: 20_000 }).toBe(1);
  await mailbox.click();
  // The list shows the subject decoded by the bridge.
  const entry = page.locator('[data-testid="mailbox-message"]').filter({ hasText: listSubject });
  await expect.poll(() => entry.count(), { timeout: 20_000 }).toBe(1);
  await entry.click();
  await page.getByTestId('inbox-message').waitFor();
}

describe('the message reader', () => {
  it('shows an encoded subject and encoded attachment names decoded, as the list does', async () => {
    await sendRaw('carol@example.test', crlf(nestedMessage));
    await openMessage('carol@example.test', decoded.subject);
    expect(await page.getByTestId('message-subject').textContent()).toBe(decoded.subject);
    expect(await page.getByTestId('inbox-message').locator('header').textContent()).toContain(decoded.from);
    expect(await page.getByTestId('message-attachments').textContent()).toBe(`Attachments: ${decoded.attachments.join(', ')}`);
    // HTML mail opens on its HTML; the plain text is one tab away.
    await page.getByTestId('message-text-tab').click();
    expect(await page.getByTestId('message-text').textContent()).toBe('Grüße');
    await page.getByTestId('message-mime-tab').click();
    const tree = (await page.getByTestId('mime-tree').textContent()) ?? '';
    expect(tree).toMatch(/multipart\/mixed[\s\S]*multipart\/alternative[\s\S]*multipart\/related[\s\S]*image\/png/);
    expect(tree).toContain(`attachment "${decoded.attachments[0]}"`);
    expect(tree).toContain(`attachment "${decoded.attachments[1]}"`);
    expect(tree).not.toContain("UTF-8''");
    // An attachment saves as a file with its decoded name and its decoded bytes.
    const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByTestId('attachment-download').first().click()]);
    expect(pdf.suggestedFilename()).toBe(decoded.attachments[0]);
    expect((await readFile((await pdf.path()) ?? '')).toString('latin1')).toBe('%PDF-');
    await lab.screenshot('message-reader-encoded');
  });

  it('says why a message with a broken boundary shows no body', async () => {
    await sendRaw('bob@example.test', crlf(brokenBoundary));
    await openMessage('bob@example.test', 'kaputt – broken');
    expect(await page.getByTestId('message-subject').textContent()).toBe('kaputt – broken');
    expect(await page.getByTestId('message-problem').textContent()).toMatch(/no line of its body is the boundary "--declared"/);
    await page.getByTestId('message-mime-tab').click();
    expect(await page.getByTestId('mime-tree').textContent()).toMatch(/its boundary never appears in its body/);
  });

  it('marks a message read when opened and unread on request, with the Inbox count following; downloads its .eml; deletes', async () => {
    const count = async () => Number(/\((\d+)\)/.exec((await page.getByTestId('inbox-tab').textContent()) ?? '')?.[1] ?? 0);
    const before = await count();
    const mail = (subject: string) => crlf(['From: learner@lab.test', 'To: carol@example.test', `Subject: ${subject}`, '', `This is ${subject}.`, '']);
    await sendRaw('carol@example.test', mail('Chore one'));
    await sendRaw('carol@example.test', mail('Chore two'));
    await expect.poll(count, { timeout: 20_000 }).toBe(before + 2);

    await openMessage('carol@example.test', 'Chore one');
    const row = (subject: string) => page.locator('[data-testid="mailbox-message"]').filter({ hasText: subject });
    await expect.poll(() => row('Chore one').getAttribute('data-unread')).toBe('false');
    expect(await row('Chore two').getAttribute('data-unread')).toBe('true');
    await expect.poll(count).toBe(before + 1);

    // The .eml is the bytes the lab keeps, byte for byte.
    const id = (await page.getByTestId('inbox-message').getAttribute('data-id')) ?? '';
    const [eml] = await Promise.all([page.waitForEvent('download'), page.getByTestId('message-download').click()]);
    expect(eml.suggestedFilename()).toBe(`${id}.eml`);
    expect((await readFile((await eml.path()) ?? '')).equals(lab.bridge.lab.getRawMessage(id) ?? Buffer.alloc(0))).toBe(true);

    await page.getByTestId('message-mark-unread').click();
    await expect.poll(count).toBe(before + 2);
    expect(await row('Chore one').getAttribute('data-unread')).toBe('true');

    await row('Chore one').click();
    await page.getByTestId('message-delete').click();
    await expect.poll(() => row('Chore one').count()).toBe(0);
    await expect.poll(count).toBe(before + 1);
    expect(lab.bridge.lab.getRawMessage(id)).toBeUndefined();

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByTestId('delete-all').click();
    await expect.poll(() => page.locator('[data-testid="mailbox-message"]').count()).toBe(0);
    await expect.poll(count).toBe(before);
  });

  it("keeps a message's Mark unread, Delete and Download within a phone's width", async () => {
    await sendRaw('carol@example.test', crlf(['From: learner@lab.test', 'To: carol@example.test', 'Subject: On a phone', '', 'Small screen.', '']));
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await openMessage('carol@example.test', 'On a phone');
      for (const chore of ['message-mark-unread', 'message-delete', 'message-download']) {
        const box = await page.getByTestId(chore).boundingBox();
        expect(box && box.x >= 0 && box.x + box.width <= 390, chore).toBe(true);
      }
    } finally {
      await page.setViewportSize({ width: 1366, height: 768 });
    }
  });

  it('searches as one types, and the keyboard reaches and opens a result', async () => {
    await sendRaw('carol@example.test', crlf(['From: learner@lab.test', 'To: carol@example.test', 'Subject: Findable', '', 'The word is periwinkle.', '']));
    await page.getByTestId('inbox-tab').click();
    const box = page.getByTestId('inbox-search');
    await box.fill('periwinkle from:learner');
    const result = page.locator('[data-testid="search-result"][data-kind="message"]');
    await expect.poll(() => result.count(), { timeout: 20_000 }).toBe(1);
    await box.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('message-subject').textContent()).toBe('Findable');

    await box.fill('before:soon');
    await expect.poll(() => page.getByTestId('search-problem').textContent()).toMatch(/YYYY-MM-DD/);
    await box.press('Escape');
    expect(await box.inputValue()).toBe('');
    await page.locator('[data-testid="mailbox-message"]').first().waitFor();
  });
});
