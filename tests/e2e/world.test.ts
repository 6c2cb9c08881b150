/**
 * The whole path of an email in Chromium against the real bridge: compose to a greylisting
 * recipient, step the submission and the relay hop, watch the hop map show the deferral, fast-
 * forward the lab clock to the retry, and read the delivered copy in the recipient's inbox (its
 * HTML in a sandboxed frame, the Received: chain, the MIME tree). Then mail an unknown user and
 * read the bounce in learner@lab.test's inbox with its delivery-status explained.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openLabPage, type LabPage } from '../support/lab-page';
import type { TestBridge } from '../support/lab-process';

let lab: LabPage;
let bridge: TestBridge;
let page: Page;
/** Every URL the page asked for: nothing may come from another origin, mail HTML included. */
const requested: string[] = [];

beforeAll(async () => {
  lab = await openLabPage({
    width: 1366,
    height: 768,
    beforeLoad: ({ page }) => page.on('request', (request) => requested.push(request.url())),
  });
  ({ bridge, page } = lab);
}, 180_000);

afterAll(() => lab?.close());

async function compose(to: string, subject: string, html?: string): Promise<void> {
  await page.getByTestId('compose-tab').click();
  if (await page.getByTestId('compose-new').isVisible()) await page.getByTestId('compose-new').click();
  await page.getByTestId('compose-from').fill('learner@lab.test');
  await page.getByTestId('compose-to').fill(to);
  await page.getByTestId('compose-subject').fill(subject);
  await page.getByTestId('compose-text').fill(`Body of ${subject}.`);
  if (html !== undefined) {
    if (!(await page.getByTestId('compose-with-html').isChecked())) await page.getByTestId('compose-with-html').check();
    await page.getByTestId('compose-html').fill(html);
  }
  await page.getByTestId('compose-profile').selectOption('submission');
}

async function attr(selector: string, name: string): Promise<string | null> {
  const element = page.locator(selector).first();
  return (await element.count()) ? element.getAttribute(name) : null;
}

/** Next, Next, … on the delivery the page shows, until the bridge reports its outcome. */
async function stepToTheEnd(): Promise<string> {
  await page.getByTestId('step-controls').waitFor({ timeout: 15_000 });
  const delivery = await attr('[data-testid="step-controls"]', 'data-delivery');
  for (let i = 0; i < 40 && !(await page.getByTestId('delivery-outcome').count()); i++) {
    const next = page.getByTestId('step-next');
    if (await next.isEnabled().catch(() => false)) await next.click().catch(() => undefined);
    else await page.waitForTimeout(100);
  }
  await expect.poll(() => page.getByTestId('delivery-outcome').count(), { timeout: 15_000 }).toBe(1);
  return delivery ?? '';
}

async function pathState(): Promise<string | null> {
  const state = page.getByTestId('journey-path-state');
  return (await state.count()) ? (await state.textContent())?.trim() ?? null : null;
}

/** A relay try that waits at its gate: select it from the hop map and run it through. */
async function runHeldHop(): Promise<void> {
  const held = page.locator('[data-testid="hop"][data-state="in-progress"]:not([data-hop="0"]) button:not([disabled])');
  if (!(await held.count())) return;
  await held.first().click();
  const run = page.getByTestId('step-run');
  if (await run.isEnabled({ timeout: 2_000 }).catch(() => false)) await run.click();
}

async function openMailbox(address: string): Promise<void> {
  await page.getByTestId('inbox-tab').click();
  const item = page.locator(`[data-testid="mailbox-item"][data-address="${address}"]`);
  await expect.poll(() => item.count(), { timeout: 15_000 }).toBe(1);
  await item.click();
}

async function fitsScreen(): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight && document.documentElement.scrollWidth <= window.innerWidth);
}

describe('the mail world, end to end', () => {
  it('shows the world: domains with their MX, null and implicit MX named as such', async () => {
    await page.getByTestId('world-tab').click();
    await page.locator('[data-testid="world-domain"][data-domain="example.test"]').waitFor();
    expect(await attr('[data-testid="world-domain"][data-domain="nullmx.test"]', 'data-mx-kind')).toBe('null-mx');
    expect(await page.locator('[data-testid="world-domain"][data-domain="nullmx.test"]').textContent()).toMatch(/null MX/);
    expect(await page.locator('[data-testid="world-domain"][data-domain="nomx.test"]').textContent()).toMatch(/implicit MX/);
    expect(await page.locator('[data-testid="world-domain"][data-domain="fallback.test"]').textContent()).toMatch(/10 mx1\.fallback\.test[\s\S]*down[\s\S]*20 mx2/);
    expect(await page.getByTestId('world-page').textContent()).toMatch(/greylist@example\.test/);
    // The STARTTLS-stripping box shows on the row of each host it stands in front of.
    const stripped = page.locator('[data-testid="world-host"][data-host="mx.stripped.test"]');
    expect(await stripped.textContent()).toMatch(/STARTTLS offered, stripped on the way/);
    expect(await stripped.getByTestId('world-middlebox').textContent()).toMatch(/middlebox\.on-path\.test \(192\.0\.2\.200\)[\s\S]*removes 250-STARTTLS/);
    const forward = page.locator('[data-testid="world-domain"][data-domain="forward.test"]');
    expect(await forward.getByTestId('world-alias').textContent()).toMatch(/bob@forward\.test → bob@example\.test/);
    expect(await forward.getByTestId('world-list').textContent()).toMatch(/team@forward\.test → carol@example\.test[\s\S]*\[team\]/);
    expect(await forward.getByTestId('world-arc-sealer').textContent()).toMatch(/arc\._domainkey\.forward\.test/);
    expect(await page.locator('[data-testid="world-host"][data-host="mx.example.test"]').getByTestId('world-arc-trust').textContent()).toMatch(/forward\.test/);
    // The host that takes BDAT and the strict one, each with what it does and its address's PTR name.
    const host = (name: string) => page.locator(`[data-testid="world-host"][data-host="${name}"]`);
    expect(await host('mx.chunks.test').textContent()).toMatch(/192\.0\.2\.146[\s\S]*PTR mx\.chunks\.test[\s\S]*CHUNKING/);
    expect(await host('mx.strict.test').textContent()).toMatch(/PTR mx\.strict\.test[\s\S]*504 5\.5\.2[\s\S]*550 5\.7\.1/);
    expect(await page.getByTestId('world-relay-ptr').textContent()).toBe('smtp.lab.test');
    expect(await fitsScreen()).toBe(true);
    await page.getByTestId('lab-tab').click();
  });

  it('steps both hops to a greylisting recipient, fast-forwards to the retry, and delivers', async () => {
    const subject = 'Greylisted, then delivered';
    await compose('greylist@example.test', subject, '<p>Hello <b class="hi">world</b></p><img src="http://example.invalid/pixel.png" alt="">');
    // The learner asks to step the relay hops too; otherwise the mail would run on by itself.
    await page.getByTestId('compose-step-hops').check();
    await page.getByTestId('compose-step').click();
    const first = await stepToTheEnd();
    expect(await attr('[data-testid="delivery-outcome"]', 'data-outcome')).toBe('accepted');

    await page.getByTestId('journey-tab').click();
    await page.getByTestId('hop-map').waitFor();
    expect(await attr('[data-testid="hop"][data-hop="0"]', 'data-state')).toBe('accepted');
    // The relay hop of a stepped delivery waits at its own gate: open it from the map and step it.
    const hop1 = page.locator('[data-testid="hop"][data-hop="1"][data-attempt="1"]');
    await expect.poll(() => hop1.count(), { timeout: 15_000 }).toBe(1);
    // Its relay client's EHLO waits there: the map says so, not just "in progress".
    await expect.poll(() => hop1.getAttribute('data-waiting'), { timeout: 15_000 }).toBe('true');
    expect(await hop1.textContent()).toMatch(/hop 1, try 1: waiting for your Next/);
    await hop1.getByRole('button').click();
    await expect.poll(() => attr('[data-testid="step-controls"]', 'data-delivery'), { timeout: 15_000 }).not.toBe(first);
    await stepToTheEnd();
    await page.getByTestId('journey-tab').click();
    await expect.poll(() => hop1.getAttribute('data-state'), { timeout: 15_000 }).toBe('deferred');
    expect(await pathState()).toBe('deferred');
    expect(await page.getByTestId('hop-map').textContent()).toMatch(/deferred retry \d\d:\d\d:\d\d[\s\S]*451 4\.7\.1/);
    expect(await page.getByTestId('hop-map').textContent()).toMatch(/example\.test MX 10 mx\.example\.test/);

    // The hop shown is the relay's, to mx.example.test, over STARTTLS: every view of it says so.
    await page.getByTestId('compose-tab').click();
    const header = page.getByTestId('hop-header');
    expect(await header.textContent()).toBe('hop 1: smtp.lab.test → mx.example.test, STARTTLS');
    expect(await header.getAttribute('data-tls')).toBe('starttls');
    await page.getByTestId('ladder-tab').click();
    const ends = page.getByTestId('ladder-ends');
    expect(await ends.getAttribute('data-tls')).toBe('starttls');
    expect(await ends.textContent()).toMatch(/hop 1:\s*smtp\.lab\.test\s*→\s*mx\.example\.test\s*STARTTLS/);
    expect(await page.locator('.lifeline-label').allTextContents()).toEqual(['smtp.lab.test', 'mx.example.test']);
    const [svgFile] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-svg').click()]);
    const svg = await readFile(await svgFile.path(), 'utf8');
    expect(svg).toContain('<title>hop 1: smtp.lab.test → mx.example.test, STARTTLS</title>');
    expect(svg).toMatch(/lifeline-label[^>]*>smtp\.lab\.test<[\s\S]*lifeline-label[^>]*>mx\.example\.test</);
    // The greylisting refusal is marked as an error in the transcript, by words as well as colour.
    await page.getByTestId('transcript-tab').click();
    const refusal = page.locator('[data-testid="transcript-line"]').filter({ hasText: /^[\s\S]*451 4\.7\.1/ });
    expect(await refusal.getByTestId('reply-mark').getAttribute('data-kind')).toBe('temporary');
    expect(await refusal.getByTestId('reply-mark').textContent()).toMatch(/temporary error/);
    // Only refusals carry a mark: every 2xx and 3xx reply of the hop reads as before.
    const marked = await page.locator('[data-testid="transcript-line"]:has([data-testid="reply-mark"])').allTextContents();
    expect(marked.length).toBeGreaterThan(0);
    for (const line of marked) expect(line).toMatch(/S: [45]\d\d /);
    expect(await page.locator('[data-testid="transcript-line"]').filter({ hasText: /S: [23]\d\d[ -]/ }).getByTestId('reply-mark').count()).toBe(0);
    // An extension line of the EHLO reply, chosen, is explained first.
    await page.locator('[data-testid="transcript-line"]').filter({ hasText: /250[- ]PIPELINING/ }).first().click();
    expect(await page.getByTestId('extension-focus').getAttribute('data-keyword')).toBe('PIPELINING');
    await refusal.click();
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await lab.screenshot(`relay-hop-transcript-${colorScheme}`);
      await page.setViewportSize({ width: 390, height: 844 });
      // A phone shows one pane at a time: the transcript's, which also holds the ladder.
      await page.getByTestId('pane-transcript').click();
      await lab.screenshot(`relay-hop-transcript-${colorScheme}-narrow`);
      await page.getByTestId('ladder-tab').click();
      await lab.screenshot(`relay-hop-ladder-${colorScheme}-narrow`);
      await page.setViewportSize({ width: 1366, height: 768 });
      await lab.screenshot(`relay-hop-ladder-${colorScheme}`);
      await page.getByTestId('transcript-tab').click();
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByTestId('journey-tab').click();

    const before = (await page.getByTestId('lab-clock').textContent()) ?? '';
    // The lesson's hint sends the learner to this button: its label must stand out from its background.
    const colours = await page.getByTestId('fast-forward-retry').evaluate((button) => {
      const style = getComputedStyle(button);
      return { text: style.color, background: style.backgroundColor };
    });
    expect(colours.text).not.toBe(colours.background);
    expect(await page.getByTestId('fast-forward-retry').textContent()).toMatch(/to the retry \(\d+ min/);
    // The retry in lab time, with what a real server would do beside it.
    expect(await page.getByTestId('hop-retry').first().textContent()).toMatch(/, lab time$/);
    expect(await page.getByTestId('hop-retry-real').first().textContent()).toMatch(/^a real server would retry in 5 min and keep trying for 5 days; the lab gives up at try 5/);
    await page.getByTestId('fast-forward-retry').click();
    await expect.poll(async () => (await page.getByTestId('lab-clock').textContent()) ?? '', { timeout: 10_000 }).not.toBe(before);
    await expect
      .poll(async () => {
        await runHeldHop();
        return pathState();
      }, { timeout: 30_000, interval: 500 })
      .toBe('delivered');
    expect(await attr('[data-testid="hop"][data-hop="1"][data-attempt="2"]', 'data-state')).toBe('delivered');
    expect(await fitsScreen()).toBe(true);
    await lab.screenshot('world-journey');
    // Beside a map of four hops the drawing keeps readable text (it scrolls rather than shrinks);
    // enlarged, it has more room and its text is no smaller.
    const labelHeights = () =>
      page.locator('[data-testid="journey"] svg text').evaluateAll((texts) => texts.map((text) => text.getBoundingClientRect().height));
    const smallest = Math.min(...(await labelHeights()));
    expect(smallest).toBeGreaterThanOrEqual(11);
    await page.getByTestId('enlarge-model').click();
    expect(await page.getByTestId('explanation').count()).toBe(0);
    const enlarged = await labelHeights();
    expect(enlarged.length).toBeGreaterThan(5);
    expect(Math.min(...enlarged)).toBeGreaterThanOrEqual(smallest);
    expect(await page.getByTestId('hop-map').textContent()).toMatch(/hop 1, try 2: delivered/);
    expect(await fitsScreen()).toBe(true);
    await lab.screenshot('world-journey-enlarged');
    await page.getByTestId('enlarge-model').click();
    await page.getByTestId('explanation').waitFor();
    // Choosing a line asks for its explanation: enlarged or not, it is shown.
    await page.getByTestId('enlarge-model').click();
    await page.getByTestId('transcript-tab').click();
    await page.locator('[data-testid="transcript-line"][data-dir="server"]').first().click();
    await page.getByTestId('explanation').waitFor();
    expect(await page.getByTestId('enlarge-model').textContent()).toMatch(/Enlarge/);

    await openMailbox('greylist@example.test');
    const message = page.locator('[data-testid="mailbox-message"]').filter({ hasText: subject });
    await expect.poll(() => message.count(), { timeout: 10_000 }).toBe(1);
    await message.click();
    // HTML mail opens on its HTML, in a frame that runs nothing and loads nothing.
    const frame = page.getByTestId('message-html-frame');
    await frame.waitFor();
    expect(await frame.getAttribute('sandbox')).toBe('');
    await expect.poll(async () => (await frame.contentFrame().locator('b.hi').textContent().catch(() => null)) ?? '', { timeout: 10_000 }).toBe('world');
    expect(requested.filter((url) => !url.startsWith(bridge.webUrl.replace(/\/$/, '')) && !url.startsWith('data:') && !url.startsWith('about:'))).toEqual([]);

    await page.getByTestId('message-headers-tab').click();
    const hops = page.locator('[data-testid="received-chain"] [data-testid="received-hop"]');
    expect(await hops.count()).toBeGreaterThanOrEqual(2);
    expect(await hops.first().textContent()).toMatch(/smtp\.lab\.test[\s\S]*handed it to[\s\S]*mx\.example\.test/);
    await page.getByTestId('message-mime-tab').click();
    expect(await attr('[data-testid="mime-tree"]', 'data-root-type')).toBe('multipart/alternative');
    expect(await page.getByTestId('mime-tree').textContent()).toMatch(/text\/plain[\s\S]*text\/html/);
    const download = await page.getByTestId('message-download').getAttribute('href');
    const response = await fetch(new URL(download ?? '', bridge.webUrl));
    expect(response.headers.get('content-disposition')).toMatch(/attachment/);
    expect(await fitsScreen()).toBe(true);
    await page.getByTestId('lab-tab').click();
  });

  it("mail to forward.test's list reaches Carol, and her message's verdicts show DMARC failing and the ARC chain that carried the first verdict", async () => {
    const subject = 'To the team list';
    await compose('team@forward.test', subject);
    await page.getByTestId('compose-send').click();
    await expect.poll(() => attr('[data-testid="delivery-outcome"]', 'data-outcome'), { timeout: 15_000 }).toBe('accepted');
    await openMailbox('carol@example.test');
    const message = page.locator('[data-testid="mailbox-message"]', { hasText: `[team] ${subject}` });
    await expect.poll(() => message.count(), { timeout: 15_000 }).toBe(1);
    await message.click();
    await page.getByTestId('message-verdicts-tab').click();
    await page.getByTestId('auth-verdicts').waitFor();
    expect(await page.getByTestId('verdict-dmarc').textContent()).toBe('fail');
    expect(await page.getByTestId('verdict-arc').textContent()).toBe('arc=pass');
    expect(await page.getByTestId('arc-chain').textContent()).toMatch(/d=forward\.test[\s\S]*mx\.forward\.test[\s\S]*DMARC pass[\s\S]*trusts forward\.test/);
    await page.getByTestId('lab-tab').click();
  });

  it("bounces mail to an unknown user into learner@lab.test's inbox, its report explained", async () => {
    const subject = 'To nobody at all';
    await compose('nobody@example.test', subject);
    await page.getByTestId('compose-send').click();
    await expect.poll(() => attr('[data-testid="delivery-outcome"]', 'data-outcome'), { timeout: 15_000 }).toBe('accepted');
    await page.getByTestId('journey-tab').click();
    await expect.poll(pathState, { timeout: 15_000 }).toBe('bounced');
    expect(await attr('[data-testid="path-recipient"][data-address="nobody@example.test"]', 'data-outcome')).toBe('failed');

    await openMailbox('learner@lab.test');
    const bounce = page.locator('[data-testid="mailbox-message"]').first();
    await expect.poll(() => bounce.count(), { timeout: 15_000 }).toBe(1);
    await bounce.click();
    const status = page.locator('[data-testid="dsn-field"][data-name="status"]');
    await status.waitFor({ timeout: 10_000 });
    expect(await status.textContent()).toMatch(/5\.1\.1[\s\S]*Bad destination mailbox address/);
    expect(await page.locator('[data-testid="dsn-field"][data-name="final-recipient"]').textContent()).toMatch(/nobody@example\.test/);
    expect(await page.locator('[data-testid="dsn-field"][data-name="action"]').textContent()).toMatch(/failed/);
    expect(await page.locator('[data-testid="dsn-field"][data-name="diagnostic-code"]').textContent()).toMatch(/550/);
    expect(await page.locator('[data-testid="dsn-field"][data-name="reporting-mta"]').textContent()).toMatch(/smtp\.lab\.test/);
    expect(await fitsScreen()).toBe(true);
    await lab.screenshot('world');

    await page.getByTestId('message-mime-tab').click();
    expect(await attr('[data-testid="mime-tree"]', 'data-root-type')).toBe('multipart/report');
    expect(await page.getByTestId('mime-tree').textContent()).toMatch(/message\/delivery-status/);
  });
});
