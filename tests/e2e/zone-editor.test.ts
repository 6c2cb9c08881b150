/**
 * The learner's domain in Chromium: the zone editor refuses a bad DMARC record beside it, saves a
 * broken SPF record, and mail sent from learner.test then shows spf=fail, with the mechanism that
 * matched, in the message view's Verdicts tab (DKIM still vouches, so DMARC passes). The same
 * check shows on the journey hop where it ran, and a change of the zone reaches every open page.
 * It writes an MTA-STS policy the world then serves, and turns on a host's tamper-in-transit
 * switch: the Verdicts then say the body changed after signing.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { labPageForFile, type LabPage } from '../support/lab-page';

let lab: LabPage;
let page: Page;
labPageForFile((opened) => ({ lab, page } = opened));

const row = (name: string) => page.locator(`[data-testid="zone-record"][data-type="TXT"][data-name="${name}"]`);

async function send(subject: string): Promise<void> {
  await page.getByTestId('lab-tab').click();
  await page.getByTestId('compose-tab').click();
  if (await page.getByTestId('compose-new').isVisible()) await page.getByTestId('compose-new').click();
  await page.getByTestId('compose-from').fill('me@learner.test');
  await page.getByTestId('compose-to').fill('alice@example.test');
  await page.getByTestId('compose-subject').fill(subject);
  await page.getByTestId('compose-text').fill(`Body of ${subject}.`);
  await page.getByTestId('compose-profile').selectOption('submission');
  await page.getByTestId('compose-send').click();
  await expect.poll(() => page.getByTestId('delivery-outcome').getAttribute('data-outcome').catch(() => null), { timeout: 30_000 }).toBe('accepted');
}

async function verdicts(subject: string): Promise<{ spf: string | null; matched: string | null; dmarc: string | null }> {
  await page.getByTestId('inbox-tab').click();
  const box = page.locator('[data-testid="mailbox-item"][data-address="alice@example.test"]');
  await expect.poll(() => box.count(), { timeout: 15_000 }).toBe(1);
  await box.click();
  const message = page.locator('[data-testid="mailbox-message"]', { hasText: subject });
  await expect.poll(() => message.count(), { timeout: 15_000 }).toBe(1);
  await message.click();
  await page.getByTestId('message-verdicts-tab').click();
  await page.getByTestId('auth-verdicts').waitFor();
  return {
    spf: await page.getByTestId('verdict-spf').textContent(),
    matched: await page.getByTestId('spf-matched').textContent().catch(() => null),
    dmarc: await page.getByTestId('verdict-dmarc').textContent(),
  };
}

describe("the learner's domain in the browser", () => {
  it('edits a record in the zone editor, sends, and finds the changed verdict in the message view', async () => {
    expect(await verdicts((await send('Before the edit'), 'Before the edit'))).toEqual({ spf: 'pass', matched: 'ip4:192.0.2.10', dmarc: 'pass' });

    await page.getByTestId('world-tab').click();
    await row('_dmarc.learner.test').waitFor({ timeout: 15_000 });
    // A DMARC tag that does not exist: refused beside the record, nothing saved.
    await row('_dmarc.learner.test').getByTestId('zone-value').fill('v=DMARC1; p=none; colour=blue');
    await page.getByTestId('zone-save').click();
    await expect.poll(() => row('_dmarc.learner.test').getByTestId('zone-error').textContent().catch(() => null), { timeout: 10_000 }).toMatch(/"colour" is not a DMARC tag/);
    // Said once, in plain words: how many records were refused, and that nothing changed.
    expect((await page.getByTestId('zone-status').textContent())?.trim()).toBe('Not saved: 1 record refused; nothing was changed.');

    await row('_dmarc.learner.test').getByTestId('zone-value').fill('v=DMARC1; p=none');
    await row('learner.test').getByTestId('zone-value').fill('v=spf1 -all');
    await page.getByTestId('zone-save').click();
    await expect.poll(() => page.getByTestId('zone-status').textContent(), { timeout: 10_000 }).toMatch(/^Saved/);
    expect(await page.getByTestId('zone-error').count()).toBe(0);

    await send('After the edit');
    expect(await verdicts('After the edit')).toEqual({ spf: 'fail', matched: '-all', dmarc: 'pass' });
  }, 120_000);

  it('shows the same verdicts on the journey hop where the receiving host checked the mail, linked both ways', async () => {
    // Left on the Verdicts tab of "After the edit" by the test before.
    await page.getByTestId('verdicts-link').click();
    const checks = page.getByTestId('hop-verdicts');
    await checks.waitFor({ timeout: 15_000 });
    expect(await checks.getAttribute('data-host')).toBe('mx.example.test');
    await checks.locator(':scope > summary').click();
    expect(await checks.getByTestId('verdict-spf').textContent()).toBe('fail');
    // SPF term by term: -all matched, with the record it came from.
    const terms = checks.getByTestId('spf-term');
    expect(await terms.evaluateAll((items) => items.map((i) => [i.getAttribute('data-term'), i.getAttribute('data-matched')]))).toEqual([['-all', 'true']]);
    expect(await checks.getByTestId('spf-matched').textContent()).toBe('-all');
    await checks.getByTestId('verdicts-link').click();
    await expect.poll(() => page.getByTestId('message-subject').textContent(), { timeout: 10_000 }).toBe('After the edit');
  }, 60_000);

  it('shows a zone change made on one page, or through the API, on every other open page at once', async () => {
    const other = await lab.browser.context.newPage();
    try {
      await other.goto(new URL('#/world', lab.bridge.webUrl).href);
      const otherRow = (name: string) => other.locator(`[data-testid="zone-record"][data-type="TXT"][data-name="${name}"]`);
      await otherRow('_dmarc.learner.test').waitFor({ timeout: 15_000 });
      const card = other.locator('[data-testid="world-domain"][data-domain="learner.test"]').getByTestId('domain-txt');

      // Saved on the first page: the other page's editor and domain card show it, no reload.
      await page.getByTestId('world-tab').click();
      await row('_dmarc.learner.test').getByTestId('zone-value').fill('v=DMARC1; p=quarantine');
      await page.getByTestId('zone-save').click();
      await expect.poll(() => otherRow('_dmarc.learner.test').getByTestId('zone-value').inputValue(), { timeout: 10_000 }).toBe('v=DMARC1; p=quarantine');
      await expect.poll(() => card.textContent(), { timeout: 10_000 }).toContain('v=DMARC1; p=quarantine');
      expect(await other.getByTestId('zone-status').textContent()).toMatch(/Changed elsewhere/);

      // The other page is part-way through an edit when the API resets the zone: its edit is kept,
      // and it offers the published records; the first page, untouched, follows at once.
      await otherRow('learner.test').getByTestId('zone-value').fill('v=spf1 ?all');
      expect((await fetch(new URL('/api/world/domains/learner.test/reset', lab.bridge.webUrl), { method: 'POST' })).status).toBe(200);
      await expect.poll(() => row('_dmarc.learner.test').getByTestId('zone-value').inputValue(), { timeout: 10_000 }).toBe('v=DMARC1; p=none; adkim=r; aspf=r');
      await other.getByTestId('zone-take-incoming').waitFor({ timeout: 10_000 });
      expect(await otherRow('learner.test').getByTestId('zone-value').inputValue()).toBe('v=spf1 ?all');
      await other.getByTestId('zone-take-incoming').click();
      expect(await otherRow('learner.test').getByTestId('zone-value').inputValue()).toBe('v=spf1 ip4:192.0.2.10 -all');
      await expect.poll(() => card.textContent(), { timeout: 10_000 }).toContain('v=DMARC1; p=none');
    } finally {
      await other.close();
    }
  }, 60_000);

  it('writes an MTA-STS policy beside the records, refused with its reason until the mode is one there is', async () => {
    await page.getByTestId('world-tab').click();
    await page.getByText('MTA-STS policy (RFC 8461)').click();
    const policy = page.getByTestId('zone-policy');
    // Empty, the box still looks like room for a file of a few lines, not a one-line field.
    expect(await policy.evaluate((box) => box.getBoundingClientRect().height / parseFloat(getComputedStyle(box).fontSize))).toBeGreaterThanOrEqual(4);
    await page.getByRole('button', { name: 'Start a policy (testing mode)' }).click();
    expect(await policy.inputValue()).toBe('version: STSv1\nmode: testing\nmx: mx.lab.test\nmax_age: 86400\n');
    expect(await row('_mta-sts.learner.test').count()).toBe(1);
    await policy.fill('version: STSv1\nmode: strict\nmx: mx.lab.test\nmax_age: 86400\n');
    await page.getByTestId('zone-save').click();
    await expect.poll(() => page.getByTestId('zone-error').first().textContent().catch(() => null), { timeout: 10_000 }).toMatch(/mode "strict" is not a mode/);
    expect((await fetch(new URL('/api/world/mta-sts/learner.test', lab.bridge.webUrl))).status).toBe(404);
    await policy.fill('version: STSv1\nmode: enforce\nmx: mx.lab.test\nmax_age: 86400\n');
    await page.getByTestId('zone-save').click();
    await expect.poll(() => page.getByTestId('zone-status').textContent(), { timeout: 10_000 }).toMatch(/^Saved/);
    expect(await (await fetch(new URL('/api/world/mta-sts/learner.test', lab.bridge.webUrl))).text()).toMatch(/^version: STSv1\r\nmode: enforce\r\n/);
  }, 60_000);

  it('turns on tamper in transit for a host on the World page, and the verdict shows the body hash no longer matching', async () => {
    await page.getByTestId('world-tab').click();
    const tamper = page.locator('[data-testid="world-host"][data-host="mx.example.test"]').getByTestId('world-tamper');
    await tamper.selectOption('body');
    await expect.poll(async () => ((await (await fetch(new URL('/api/world', lab.bridge.webUrl))).json()) as { hosts: Array<{ name: string; tamper?: string }> }).hosts.find((h) => h.name === 'mx.example.test')?.tamper, { timeout: 10_000 }).toBe('body');
    await send('Tampered on the way');
    await verdicts('Tampered on the way');
    expect(await page.getByTestId('dkim-signature').first().textContent()).toMatch(/Body hash: does not match: the body changed after signing/);
  }, 120_000);

  it("shows the underscore of a record's name (_dmarc, _domainkey), which the field once cut off", async () => {
    await page.getByTestId('world-tab').click();
    const named = row('_dmarc.learner.test').getByRole('textbox', { name: /^Name of record/ });
    await named.waitFor({ timeout: 15_000 });
    // Found by its label, which stays while the name being typed changes.
    const name = page.getByLabel((await named.getAttribute('aria-label')) ?? '', { exact: true });
    const kept = await name.inputValue();
    try {
      await name.fill('');
      const empty = await name.screenshot();
      await name.fill('________');
      // Underscores drawn change the field's pixels; cut off, the field looks empty.
      expect((await name.screenshot()).equals(empty)).toBe(false);
    } finally {
      await name.fill(kept);
    }
  });
});
