/**
 * Lessons taken by typing in a real Chromium: lesson 1 as a newcomer from the first screen, a lesson
 * left open across a reload, lesson 3's dead end named by the player, and the goals that ask for
 * understanding: an answer typed and checked against the real reply, a line selected in a transcript.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { labPageForFile, type LabPage } from '../support/lab-page';
import { CLOCK_SLACK_MS } from '../../core/lessons/evidence';

let lab: LabPage;
let page: Page;
labPageForFile((opened) => ({ lab, page } = opened));

const goalMet = (goal: string) => page.locator(`[data-testid="goal"][data-goal="${goal}"]`).getAttribute('data-met');

async function type(line: string): Promise<void> {
  const input = page.getByTestId('terminal-input');
  await input.fill(line);
  await input.press('Enter');
}

/** Saves what the page shows at the desktop size and at a phone's, for a human to judge. */
async function screenshotBothSizes(name: string): Promise<void> {
  await lab.screenshot(`${name}-1366`);
  await page.setViewportSize({ width: 390, height: 844 });
  await lab.screenshot(`${name}-390`);
  await page.setViewportSize({ width: 1366, height: 768 });
}

/**
 * Opens a lesson from the lesson list and begins it. These lessons do not teach connecting: leaving
 * the introduction opens their terminal.
 */
async function beginFromTheList(id: string): Promise<void> {
  if ((await page.getByTestId('lesson-panel').count()) === 0) await page.getByTestId('lessons-tab').click();
  const back = page.getByRole('button', { name: '← All lessons' });
  if (await back.count()) await back.click();
  await page.locator(`[data-testid="lesson-item"][data-lesson="${id}"]`).click();
  await page.getByTestId('lesson-intro').waitFor();
  await page.getByTestId('begin-lesson').click();
  await expect.poll(() => page.getByTestId('terminal-input').isEnabled(), { timeout: 10_000 }).toBe(true);
}

describe('lesson 1 in the browser, as a newcomer', () => {
  it('starts from the first screen, shows the introduction, leaves Connect to the learner, and remembers completion', async () => {
    // A first visit offers lesson 1 on the first screen.
    await page.getByTestId('first-visit').waitFor();
    await screenshotBothSizes('first-visit');
    // On a phone the first pane shown is the one with the offer.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.getByTestId('start-first-lesson').isVisible()).toBe(true);
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.getByTestId('start-first-lesson').click();
    expect(await page.locator('#lesson-title').textContent()).toContain('Hello');
    // The introduction comes first, and nothing has connected on the learner's behalf.
    await page.getByTestId('lesson-intro').waitFor();
    expect((await page.getByTestId('lesson-intro').textContent())?.length).toBeGreaterThan(100);
    expect(await page.getByTestId('lesson-step').count()).toBe(0);
    expect(await page.getByTestId('transcript-line').count()).toBe(0);
    await screenshotBothSizes('lesson-intro');

    await page.getByTestId('begin-lesson').click();
    const step = page.getByTestId('lesson-step');
    expect(await step.getAttribute('data-step')).toBe('0');
    await page.waitForTimeout(500);
    expect(await goalMet('greeted')).toBe('false');
    await page.getByTestId('connect').click();
    await expect.poll(() => goalMet('greeted'), { timeout: 10_000 }).toBe('true');
    // The finished step stays on screen until the learner moves on.
    await page.getByTestId('step-done').waitFor();
    await page.waitForTimeout(300);
    expect(await step.getAttribute('data-step')).toBe('0');
    await lab.screenshot('lesson-step-done-1366');
    await page.getByTestId('next-step').click();
    expect(await step.getAttribute('data-step')).toBe('1');
    expect(await goalMet('ehlo-sent')).toBe('false');

    await type('EHLO learner.test');
    await expect.poll(() => goalMet('extensions'), { timeout: 10_000 }).toBe('true');
    expect(await goalMet('ehlo-sent')).toBe('true');
    expect(await step.getAttribute('data-step')).toBe('1');
    expect(await goalMet('quit')).toBe('false');
    expect(await page.getByTestId('lesson-complete').count()).toBe(0);
    await page.getByTestId('next-step').click();

    // Saying goodbye is a challenge: the step names the goal, the hints come graduated.
    await page.getByTestId('challenge').waitFor();
    expect(await page.getByTestId('hint-button').textContent()).toBe('Hint: nudge');
    await type('QUIT');
    await expect.poll(() => goalMet('quit'), { timeout: 10_000 }).toBe('true');
    expect(await page.getByTestId('lesson-complete').count()).toBe(0);
    // The closed conversation blocks nothing yet: the next step will ask for a new one itself.
    expect(await page.getByTestId('dead-end').count()).toBe(0);

    // Your turn: a whole conversation alone, introduced by the address the server saw.
    await page.getByTestId('next-step').click();
    expect(await step.getAttribute('data-step')).toBe('3');
    await page.getByTestId('connect').click();
    await expect.poll(() => page.getByTestId('terminal-input').isEnabled(), { timeout: 10_000 }).toBe(true);
    await type('EHLO [127.0.0.1]');
    const welcome = page.locator('[data-testid="transcript-line"][data-dir="server"]', { hasText: /250-\S+ .*\[/ }).last();
    await welcome.waitFor({ timeout: 10_000 });
    const seen = /\[([^\]\s]+)\]/.exec((await welcome.textContent()) ?? '')?.[1] ?? '';
    expect(seen).not.toBe('');
    await page.getByTestId('answer-input').fill(seen);
    await page.getByTestId('check-answer').click();
    await expect.poll(() => goalMet('seen-address'), { timeout: 10_000 }).toBe('true');
    await type('QUIT');
    await expect.poll(() => goalMet('literal-session'), { timeout: 10_000 }).toBe('true');
    await page.getByTestId('lesson-complete').waitFor();
    expect(await page.getByTestId('dead-end').count()).toBe(0);
    expect(await page.getByTestId('next-lesson').textContent()).toContain('The first transaction');
    await screenshotBothSizes('lesson-complete');

    await page.reload();
    // The lesson is still open after the reload; the list behind it shows it complete.
    expect(await page.locator('#lesson-title').textContent()).toContain('Hello');
    await page.getByRole('button', { name: '← All lessons' }).click();
    const item = page.locator('[data-testid="lesson-item"][data-lesson="hello-server"]');
    await expect.poll(() => item.getAttribute('data-complete')).toBe('true');
    expect(await page.locator('[data-testid="lesson-item"][data-lesson="first-transaction"]').getAttribute('data-complete')).toBe('false');

    // Once a lesson was opened, the conversations no longer carry the offer of lesson 1.
    await page.getByTestId('lab-tab').click();
    await page.getByRole('navigation', { name: 'Conversations and messages' }).waitFor();
    expect(await page.getByTestId('first-visit').count()).toBe(0);
    await page.getByTestId('lessons-tab').click();
  });

  it('shows the solution only after a confirmation', async () => {
    await page.locator('[data-testid="lesson-item"][data-lesson="reply-codes"]').click();
    await page.getByTestId('show-solution').click();
    expect(await page.getByTestId('solution').count()).toBe(0);
    await page.getByTestId('confirm-solution').click();
    expect(await page.getByTestId('solution').textContent()).toContain('RCPT TO:<alice@example.test>');
  });
});

describe('a lesson left open', () => {
  it('comes back at the same step, with its goals still met, after a reload and a look at the conversations', async () => {
    await beginFromTheList('first-transaction');
    await type('EHLO learner.test');
    await type('MAIL FROM:<learner@lab.test>');
    await type('RCPT TO:<alice@example.test>');
    await expect.poll(() => goalMet('rcpt-ok'), { timeout: 10_000 }).toBe('true');
    // Both envelope goals met: the step stays readable until the learner moves on.
    const step = page.getByTestId('lesson-step');
    await page.getByTestId('step-done').waitFor();
    expect(await step.getAttribute('data-step')).toBe('0');
    await page.getByTestId('next-step').click();
    expect(await step.getAttribute('data-step')).toBe('1');
    await page.getByTestId('hint-button').click();
    expect(await page.getByTestId('hint').count()).toBe(1);
    await type('DATA');
    await expect.poll(() => goalMet('data-354'), { timeout: 10_000 }).toBe('true');
    for (const line of ['Subject: Left open', '', 'Still here after a reload.', '.']) await type(line);
    // The message travels on: its relay hop is now the newest conversation of the lab.
    await expect.poll(() => goalMet('delivered'), { timeout: 15_000 }).toBe('true');
    // The lesson points to "Captured messages": they are on screen beside it.
    const captured = page.getByTestId('lesson-captured');
    await expect.poll(() => captured.getByTestId('message-item').count(), { timeout: 10_000 }).toBe(1);
    expect(await captured.textContent()).toContain('Left open');

    await page.reload();
    await page.getByTestId('connection-status').filter({ hasText: /connected/i }).waitFor();
    expect(await page.locator('#lesson-title').textContent()).toContain('The first transaction');
    await expect.poll(() => step.getAttribute('data-step')).toBe('1');
    await expect.poll(() => goalMet('delivered'), { timeout: 10_000 }).toBe('true');
    expect(await goalMet('rcpt-ok')).toBe('true');
    expect(await page.getByTestId('hint').count()).toBe(1);
    // Not the newer relay hop: the lesson's own terminal, which outlived the reload, goes on.
    await expect.poll(() => page.getByTestId('terminal-input').isEnabled(), { timeout: 10_000 }).toBe(true);
    await type('QUIT');
    const bye = page.locator('[data-testid="transcript-line"][data-dir="server"]', { hasText: /^.*221 / });
    await expect.poll(() => bye.count(), { timeout: 10_000 }).toBe(1);

    // The conversation list and back: still the same lesson, still at step 2.
    await page.getByTestId('lab-tab').click();
    await expect.poll(() => page.getByTestId('lesson-panel').count()).toBe(0);
    await page.getByTestId('lessons-tab').click();
    expect(await page.locator('#lesson-title').textContent()).toContain('The first transaction');
    expect(await step.getAttribute('data-step')).toBe('1');

    // Back to the list forgets it: a reload then shows the lesson list, and the lab shows the lab.
    await page.getByRole('button', { name: '← All lessons' }).click();
    await page.reload();
    await page.getByTestId('connection-status').filter({ hasText: /connected/i }).waitFor();
    await page.getByTestId('lesson-item').first().waitFor();
    expect(await page.locator('#lesson-title').count()).toBe(0);
    await page.getByTestId('lab-tab').click();
    await page.reload();
    await page.getByTestId('connection-status').filter({ hasText: /connected/i }).waitFor();
    expect(await page.getByTestId('lesson-panel').count()).toBe(0);
  });
});

describe("lesson 3's dead end", () => {
  it('says the 503 must come again in the open conversation, and restarts the lesson only when asked', async () => {
    await beginFromTheList('reply-codes');
    // The 503 in one session…
    await type('EHLO learner.test');
    await type('RCPT TO:<alice@example.test>');
    await expect.poll(() => goalMet('bad-sequence'), { timeout: 10_000 }).toBe('true');
    await type('QUIT');
    const closed = page.getByTestId('terminal-input');
    await expect.poll(() => closed.isEnabled(), { timeout: 10_000 }).toBe(false);
    // …and the message, in order, in another one: the goal wants both in the same session.
    await page.getByTestId('connect').click();
    await expect.poll(() => page.getByTestId('terminal-input').isEnabled(), { timeout: 10_000 }).toBe(true);
    for (const line of ['EHLO learner.test', 'MAIL FROM:<learner@lab.test>', 'RCPT TO:<alice@example.test>', 'DATA']) await type(line);
    for (const line of ['Subject: In order', '', 'Right this time.', '.']) await type(line);
    await expect.poll(() => page.getByTestId('lesson-captured').getByTestId('message-item').count(), { timeout: 10_000 }).toBe(1);

    const deadEnd = page.locator('[data-testid="dead-end"][data-kind="split"]');
    await deadEnd.waitFor({ timeout: 10_000 });
    expect(await goalMet('recovered')).toBe('false');
    expect(await deadEnd.getByTestId('dead-end-missing').allTextContents()).toEqual(['a 503 reply in the conversation that is open now']);
    expect(await deadEnd.textContent()).toMatch(/same conversation/);
    expect(await deadEnd.textContent()).toMatch(/Connect/);
    await deadEnd.scrollIntoViewIfNeeded();
    await screenshotBothSizes('lesson-dead-end');

    // Restart asks first, and says it restarts the lesson, not the lab.
    await page.getByTestId('restart-lesson').click();
    const question = page.getByTestId('restart-question');
    expect(await question.textContent()).toMatch(/Restart “Reply codes/);
    expect(await question.textContent()).toMatch(/lab is not reset/);
    expect(await goalMet('bad-sequence')).toBe('true');
    await lab.screenshot('lesson-restart-question-1366');
    // A conversation begun within CLOCK_SLACK_MS of a restart still counts (the bridge's and the
    // browser's clocks may differ by that much): the 503's session must be older than that.
    await page.waitForTimeout(CLOCK_SLACK_MS);
    await page.getByTestId('confirm-restart').click();
    await page.getByTestId('lesson-intro').waitFor();
    await expect.poll(() => goalMet('bad-sequence'), { timeout: 10_000 }).toBe('false');
    expect(await page.getByTestId('dead-end').count()).toBe(0);
  });
});

describe('goals that ask for understanding', () => {
  const verdict = (testid: string) => page.getByTestId(testid).textContent();

  it("checks a typed queue id against the lab's real 250, and says when it is wrong", async () => {
    await beginFromTheList('envelope-header');
    // The session the last lesson left open carries on (the lesson does not reconnect an open
    // terminal), so its transcript may already hold a 250 of its own: this message's is the newest.
    const accepted = page.locator('[data-testid="transcript-line"][data-dir="server"]', { hasText: /queued as/ });
    const queueIds = async () => (await accepted.allTextContents()).map((text) => /queued as (\S+)/.exec(text)?.[1] ?? '');
    const earlier = new Set(await queueIds());
    for (const line of ['EHLO learner.test', 'MAIL FROM:<learner@lab.test>', 'RCPT TO:<alice@example.test>', 'RCPT TO:<carol@example.test>', 'DATA']) await type(line);
    for (const line of ['From: Learner <learner@lab.test>', 'To: Alice <alice@example.test>', 'Date: Sun, 29 Nov 2026 10:00:00 +0000', '', 'Hello.', '.']) await type(line);
    await expect.poll(async () => (await queueIds()).filter((id) => !earlier.has(id)).length, { timeout: 10_000 }).toBe(1);
    const queueId = (await queueIds()).find((id) => !earlier.has(id)) ?? '';
    expect(queueId).not.toBe('');

    await page.locator('.steps .step').nth(2).click();
    expect(await page.getByTestId('lesson-step').getAttribute('data-step')).toBe('2');
    // A challenge step: its Hint button names the level of the next hint.
    expect(await page.getByTestId('hint-button').textContent()).toBe('Hint: nudge');
    const input = page.getByTestId('answer-input');
    await input.fill('NOT-THE-ID');
    await page.getByTestId('check-answer').click();
    await expect.poll(() => verdict('answer-verdict')).toMatch(/Not that one/);
    expect(await goalMet('queue-id')).toBe('false');
    await input.fill(queueId);
    await page.getByTestId('check-answer').click();
    await expect.poll(() => verdict('answer-verdict')).toMatch(/Right/);
    expect(await goalMet('queue-id')).toBe('true');
    await lab.screenshot('lesson-answer-goal-1366');
    // The answer is kept with the open lesson: a reload does not take the tick away.
    await page.reload();
    await page.getByTestId('connection-status').filter({ hasText: /connected/i }).waitFor();
    await expect.poll(() => goalMet('queue-id'), { timeout: 10_000 }).toBe('true');
  });

  it('ticks an evidence goal only when the selected transcript line is the reply it asks for', async () => {
    // The last lesson's session ends first, as a learner ends it: a lesson carries on an open
    // session, and the journey of a session that carried several messages shows the first.
    await type('QUIT');
    await expect.poll(() => page.getByTestId('terminal-input').isEnabled(), { timeout: 10_000 }).toBe(false);
    await beginFromTheList('tempfail-bounce');
    for (const line of ['EHLO learner.test', 'MAIL FROM:<learner@lab.test>', 'RCPT TO:<greylist@example.test>', 'DATA', 'Subject: Later', '', 'Please.', '.']) await type(line);
    // The relay's hop runs after the lab's 250, with the mail checks of a loaded machine: give it time.
    await expect.poll(() => goalMet('deferred'), { timeout: 40_000 }).toBe('true');
    const use = page.getByTestId('use-selection');
    expect(await use.isDisabled()).toBe(true);

    // The relay's hop to mx.example.test, opened from the Journey.
    await page.getByTestId('journey-tab').click();
    const deferredHop = page.locator('[data-testid="hop"][data-state="deferred"]');
    await deferredHop.waitFor({ timeout: 15_000 });
    await deferredHop.getByRole('button', { name: /show/ }).click();
    await page.getByTestId('transcript-tab').click();

    // A wrong line first: the hop's greeting.
    await page.locator('[data-testid="transcript-line"][data-dir="server"]', { hasText: /220 / }).first().click();
    await use.click();
    await expect.poll(() => verdict('select-verdict')).toMatch(/Not that line/);
    expect(await goalMet('deferral-line')).toBe('false');

    await page.locator('[data-testid="transcript-line"][data-dir="server"]', { hasText: /451 / }).first().click();
    await use.click();
    await expect.poll(() => verdict('select-verdict')).toMatch(/Right/);
    expect(await goalMet('deferral-line')).toBe('true');
    await lab.screenshot('lesson-evidence-goal-1366');

    // The next step is a challenge: its hints come graduated, each with its level named.
    await page.locator('.steps .step').nth(1).click();
    await page.getByTestId('challenge').waitFor();
    expect(await page.getByTestId('hint-button').textContent()).toBe('Hint: nudge');
    await page.getByTestId('hint-button').click();
    expect(await page.getByTestId('hint').getAttribute('data-level')).toBe('nudge');
    expect(await page.getByTestId('hint-button').textContent()).toBe('Hint: concept');
  });
});

describe("a lesson's scenario", () => {
  it('holds its waiting message in the queue while the lesson is open, and takes it out when the learner leaves', async () => {
    const held = () => page.evaluate(async () => ((await (await fetch('/api/queue')).json()) as { held: number }).held);
    if ((await page.getByTestId('lesson-panel').count()) === 0) await page.getByTestId('lessons-tab').click();
    const back = page.getByRole('button', { name: '← All lessons' });
    if (await back.count()) await back.click();
    await page.locator('[data-testid="lesson-item"][data-lesson="tempfail-bounce"]').waitFor();
    const before = await held();
    await page.locator('[data-testid="lesson-item"][data-lesson="tempfail-bounce"]').click();
    await page.getByTestId('lesson-intro').waitFor();
    await expect.poll(held, { timeout: 10_000 }).toBe(before + 1);

    // The terminal can talk to a world host itself: the learner is the MTA.
    await page.getByTestId('begin-lesson').click();
    await page.getByTestId('terminal-server').selectOption('host:mx.example.test');
    await page.getByTestId('connect').click();
    // Beginning the lesson opened a session already: Connect asks before opening a second one.
    await page.getByTestId('confirm-second-session').click();
    await page.locator('[data-testid="transcript-line"][data-dir="server"]', { hasText: /220 mx\.example\.test/ }).first().waitFor({ timeout: 10_000 });

    await page.getByRole('button', { name: '← All lessons' }).click();
    await expect.poll(held, { timeout: 10_000 }).toBe(before);
  });
});
