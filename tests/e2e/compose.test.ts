/**
 * Sending a real email from the browser, end to end in Chromium against the real bridge: compose,
 * step through every client unit, play, abort, and the other two connection profiles. What the
 * page shows (held units, ladder arrows, statechart, outcome) is checked against what the bridge
 * reports and what it captured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { GateState } from '../../core/protocol/delivery';
import type { MessageSummary } from '../../core/wire';
import { openLabPage, type LabPage } from '../support/lab-page';
import type { TestBridge } from '../support/lab-process';

let lab: LabPage;
let bridge: TestBridge;
let page: Page;
/** Every gate state the bridge announced, to count held units independently of the page. */
const gates: GateState[] = [];

beforeAll(async () => {
  // The smallest laptop screen the app must fit.
  lab = await openLabPage({
    width: 1366,
    height: 768,
    beforeLoad: ({ bridge }) => bridge.lab.on('delivery.gate', (gate: GateState) => gates.push(gate)),
  });
  ({ bridge, page } = lab);
}, 180_000);

afterAll(() => lab?.close());

async function messages(): Promise<MessageSummary[]> {
  return (await (await fetch(new URL('/api/messages', bridge.webUrl))).json()) as MessageSummary[];
}

async function attr(testId: string, name: string): Promise<string | null> {
  return page.getByTestId(testId).getAttribute(name);
}

/** Opens a fresh compose form and fills it in. */
async function compose(subject: string, profile: 'submission' | 'smtps' | 'plain'): Promise<void> {
  await page.getByTestId('compose-tab').click();
  if (await page.getByTestId('compose-new').isVisible()) await page.getByTestId('compose-new').click();
  await page.getByTestId('compose-from').fill('learner@lab.test');
  await page.getByTestId('compose-to').fill('alice@example.test');
  await page.getByTestId('compose-subject').fill(subject);
  await page.getByTestId('compose-text').fill(`Body of ${subject}.\n\nSecond paragraph.`);
  await page.getByTestId('compose-profile').selectOption(profile);
}

/** The delivery the page shows, once its controls are up. */
async function startedDelivery(): Promise<string> {
  await page.getByTestId('step-controls').waitFor({ timeout: 15_000 });
  return (await attr('step-controls', 'data-delivery')) ?? '';
}

async function outcome(): Promise<string | null> {
  return (await page.getByTestId('delivery-outcome').count()) ? attr('delivery-outcome', 'data-outcome') : null;
}

/** Distinct units the gate held for one delivery. */
function heldUnits(delivery: string): number {
  const indexes = new Set(gates.filter((g) => g.delivery === delivery && g.held).map((g) => g.held?.index));
  return indexes.size;
}

/** Client units as the transcript tells them: each command line, and each message content as one. */
async function clientUnitsInTranscript(): Promise<number> {
  await page.getByTestId('transcript-tab').click();
  const rows = await page
    .locator('[data-testid="transcript-line"][data-dir="client"]')
    .evaluateAll((els) => els.map((el) => ({ mode: el.getAttribute('data-mode'), text: el.querySelector('.text')?.textContent ?? '' })));
  const commands = rows.filter((r) => r.mode !== 'data').length;
  // The content unit ends with the lone "."; every content line up to it is part of that one unit.
  const contents = rows.filter((r) => r.mode === 'data' && r.text === '.').length;
  return commands + contents;
}

async function transcriptLineCount(): Promise<number> {
  await page.getByTestId('transcript-tab').click();
  return page.locator('[data-testid="transcript-line"]:not([data-dir="info"])').count();
}

async function ladderArrowCount(): Promise<number> {
  await page.getByTestId('ladder-tab').click();
  await page.getByTestId('ladder').waitFor();
  return page.getByTestId('ladder-arrow').count();
}

async function sessionState(): Promise<string> {
  await page.getByTestId('session-tab').click();
  return ((await page.getByTestId('current-state').textContent()) ?? '').trim();
}

/** The page fits the screen: nothing to scroll at the page level. */
async function fitsScreen(): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight && document.documentElement.scrollWidth <= window.innerWidth);
}

/** Checks that hold for every accepted delivery: ladder = transcript, statechart, message stored. */
async function expectAccepted(subject: string): Promise<void> {
  await expect.poll(outcome, { timeout: 30_000 }).toBe('accepted');
  expect(await page.getByTestId('delivery-outcome').textContent()).toMatch(/250 .*queued as/);
  // The statechart ends where the transcript does: `closed` once the client hung up (or said
  // QUIT), `ready` while the connection stays open after the 250.
  await page.getByTestId('transcript-tab').click();
  const lastLine = page.locator('[data-testid="transcript-line"]').last();
  await expect.poll(async () => lastLine.getAttribute('data-dir'), { timeout: 10_000 }).toMatch(/info|server/);
  const serverLines = await page.locator('[data-testid="transcript-line"][data-dir="server"]').allTextContents();
  expect(serverLines.some((t) => /250 2\.6\.0 .*queued as/.test(t))).toBe(true);
  // Read together, since a client that hangs up after the 250 may do so between two looks.
  const agree = async () => {
    const closedInTranscript = /closed/i.test((await lastLine.textContent()) ?? '');
    return `${await sessionState()} (transcript ${closedInTranscript ? 'closed' : 'open'})`;
  };
  await expect.poll(agree, { timeout: 10_000 }).toMatch(/^(closed \(transcript closed\)|ready \(transcript open\))$/);
  await expect.poll(transcriptLineCount).toBe(await ladderArrowCount());
  expect(await ladderArrowCount()).toBe(await transcriptLineCount());
  await page.getByTestId('journey-tab').click();
  expect(((await page.getByTestId('journey-state').textContent()) ?? '').trim()).toBe('accepted');

  const stored = (await messages()).find((m) => m.subject === subject);
  expect(stored).toBeDefined();
  const raw = await (await fetch(new URL(`/api/messages/${stored?.id}/raw`, bridge.webUrl))).text();
  expect(raw).toMatch(/^Received: /);
}

describe('compose and step through, end to end', () => {
  it('shows field errors from the shared schema and sends nothing', async () => {
    await compose('Never sent', 'submission');
    await page.getByTestId('compose-to').fill('alice@, bob@example.test');
    await page.getByTestId('compose-step').click();
    await expect.poll(() => page.getByTestId('field-error').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('field-error').first().textContent()).toMatch(/alice@.*not an address/);

    const tooBig = Buffer.alloc(2 * 1024 * 1024 + 1, 0x61);
    await page.getByTestId('compose-attachments').setInputFiles({ name: 'big.txt', mimeType: 'text/plain', buffer: tooBig });
    await expect.poll(async () => (await page.getByTestId('field-error').allTextContents()).join(' ')).toMatch(/big\.txt.*at most/);
    expect(await page.getByTestId('step-controls').count()).toBe(0);
    expect((await messages()).some((m) => m.subject === 'Never sent')).toBe(false);
  });

  it('steps over STARTTLS + AUTH: one Next per client unit, then 250 and the captured message', async () => {
    const subject = 'Stepped over STARTTLS';
    await compose(subject, 'submission');
    await page.getByTestId('compose-step').click();
    const delivery = await startedDelivery();

    let presses = 0;
    let sawAuthHeld = false;
    for (let guard = 0; guard < 60 && (await outcome()) === null; guard++) {
      const held = page.getByTestId('held-unit');
      await expect.poll(async () => (await held.count()) > 0 || (await outcome()) !== null, { timeout: 15_000 }).toBe(true);
      if ((await held.count()) === 0) break;
      const index = await held.getAttribute('data-index');
      if (!sawAuthHeld && (await held.textContent())?.includes('AUTH PLAIN')) sawAuthHeld = true;
      // Every other unit with the keyboard: N is Next anywhere outside a text field.
      await expect.poll(() => page.getByTestId('step-next').isEnabled(), { timeout: 15_000 }).toBe(true);
      if (presses % 2 === 1) await page.keyboard.press('n');
      else await page.getByTestId('step-next').click();
      presses++;
      // Wait until that unit is gone: the next one (or nothing) is held.
      await expect
        .poll(async () => (await held.count()) === 0 || (await held.getAttribute('data-index')) !== index, { timeout: 15_000 })
        .toBe(true);
    }

    await expectAccepted(subject);
    expect(sawAuthHeld).toBe(true);
    expect(presses).toBe(heldUnits(delivery));
    expect(Number(await attr('step-controls', 'data-released'))).toBe(presses);
    expect(await clientUnitsInTranscript()).toBe(presses);
    // The lab account's AUTH is shown decoded, with the warning.
    await page.getByTestId('ladder-tab').click();
    expect(await page.getByTestId('auth-decoded').textContent()).toMatch(/learner.*encoding, not encryption/);
    expect(await page.locator('[data-testid="ladder-arrow"][data-dir="client"][data-tls="true"]').count()).toBeGreaterThan(0);

    // The eavesdropper sees records, not the AUTH line.
    await page.getByTestId('eavesdropper-toggle').click();
    expect((await page.getByTestId('ladder').textContent()) ?? '').not.toMatch(/AUTH PLAIN/);
    expect((await page.getByTestId('ladder').textContent()) ?? '').toMatch(/TLS application-data record/);
    await page.getByTestId('eavesdropper-toggle').click();

    // Exports download as files.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-text').click()]);
    expect(download.suggestedFilename()).toMatch(/\.txt$/);

    expect(await fitsScreen()).toBe(true);
    await lab.screenshot('compose');

    // The queue id links to the captured message, Received: first.
    await page.getByTestId('queue-id').click();
    await page.getByTestId('message-headers').waitFor();
    expect(((await page.locator('[data-testid="message-headers"] dt').first().textContent()) ?? '').trim()).toBe('Received:');
    expect(await page.getByTestId('message-text').textContent()).toContain(`Body of ${subject}.`);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('message-headers').isVisible()).toBe(false);
  });

  it('plays by itself at the chosen speed to the same end', async () => {
    const subject = 'Played over STARTTLS';
    await compose(subject, 'submission');
    await page.getByTestId('compose-step').click();
    const delivery = await startedDelivery();
    await page.getByTestId('step-speed').selectOption('250');
    await page.getByTestId('step-play').click();
    await expect.poll(() => page.getByTestId('step-pause').isEnabled(), { timeout: 10_000 }).toBe(true);
    await expectAccepted(subject);
    const released = Number(await attr('step-controls', 'data-released'));
    expect(released).toBe(heldUnits(delivery));
    expect(await clientUnitsInTranscript()).toBe(released);
  });

  it('aborts during the content: nothing is captured', async () => {
    const subject = 'Aborted in the content';
    await compose(subject, 'submission');
    await page.getByTestId('compose-step').click();
    await startedDelivery();
    const held = page.getByTestId('held-unit');
    for (let guard = 0; guard < 30; guard++) {
      await held.waitFor({ timeout: 15_000 });
      if ((await held.getAttribute('data-kind')) === 'content') break;
      const index = await held.getAttribute('data-index');
      await page.getByTestId('step-next').click();
      await expect.poll(async () => (await held.count()) === 0 || (await held.getAttribute('data-index')) !== index, { timeout: 15_000 }).toBe(true);
    }
    expect(await held.getAttribute('data-kind')).toBe('content');
    await page.getByTestId('step-abort').click();
    await expect.poll(outcome, { timeout: 15_000 }).toBe('aborted');
    await page.getByTestId('journey-tab').click();
    await expect.poll(async () => ((await page.getByTestId('journey-state').textContent()) ?? '').trim()).toBe('aborted');
    expect((await messages()).some((m) => m.subject === subject)).toBe(false);
  });

  it('sends at once over implicit TLS (465): encrypted from the first line', async () => {
    const subject = 'Sent at once over implicit TLS';
    await compose(subject, 'smtps');
    await page.getByTestId('compose-send').click();
    await startedDelivery();
    await expectAccepted(subject);
    await page.getByTestId('transcript-tab').click();
    const flags = await page.locator('[data-testid="transcript-line"][data-dir="server"]').evaluateAll((els) => els.map((el) => el.getAttribute('data-tls')));
    expect(flags.every((f) => f === 'true')).toBe(true);
    expect(await page.locator('[data-testid="transcript-line"][data-dir="client"]', { hasText: 'STARTTLS' }).count()).toBe(0);
  });

  it('sends at once over plain port 25: no TLS, no AUTH', async () => {
    const subject = 'Sent at once in clear text';
    await compose(subject, 'plain');
    await page.getByTestId('compose-send').click();
    await startedDelivery();
    await expectAccepted(subject);
    await page.getByTestId('transcript-tab').click();
    const flags = await page.locator('[data-testid="transcript-line"]').evaluateAll((els) => els.map((el) => el.getAttribute('data-tls')));
    expect(flags.every((f) => f === 'false')).toBe(true);
    expect(await page.locator('[data-testid="transcript-line"][data-dir="client"]', { hasText: /^.*AUTH/ }).count()).toBe(0);
  });

  it('gives a terminal opened after a delivery its own panels: transcript and session statechart', async () => {
    const selected = (testid: string) => page.getByTestId(testid).getAttribute('aria-selected');
    await page.getByTestId('ladder-tab').click();
    await page.getByTestId('journey-tab').click();
    await page.getByTestId('terminal-tab').click();
    await page.getByTestId('connect').click();
    const greeting = page.locator('[data-testid="transcript-line"][data-dir="server"]', { hasText: /^.*220 / });
    await expect.poll(() => greeting.count(), { timeout: 10_000 }).toBe(1);
    expect(await selected('transcript-tab')).toBe('true');
    expect(await selected('session-tab')).toBe('true');
    expect(((await page.getByTestId('current-state').textContent()) ?? '').trim()).toBe('greeted');
  });

  it('shows what is held again after a reload mid-step, and goes on from there', async () => {
    const subject = 'Reloaded mid-step';
    await compose(subject, 'plain');
    await page.getByTestId('compose-step').click();
    const delivery = await startedDelivery();
    const conversation = bridge.lab.listDeliveries().find((d) => d.id === delivery)?.conversation;
    const held = page.getByTestId('held-unit');
    await held.waitFor({ timeout: 15_000 });
    const heldBefore = await held.textContent();

    await page.reload();
    await page.getByTestId('connection-status').filter({ hasText: /connected/i }).waitFor();
    await page.locator(`[data-testid="conversation-item"][data-conversation="${conversation}"]`).click();
    await page.getByTestId('compose-tab').click();
    await expect.poll(() => attr('step-controls', 'data-delivery'), { timeout: 10_000 }).toBe(delivery);
    await expect.poll(() => held.textContent(), { timeout: 10_000 }).toBe(heldBefore);
    expect(await page.getByTestId('step-next').isEnabled()).toBe(true);

    await page.getByTestId('step-run').click();
    await expectAccepted(subject);
  });
});
