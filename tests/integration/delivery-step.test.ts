import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../bridge/lab/lab-types';
import { form, sleep, Watch } from './delivery-support';
import { eventually, startLab } from './smtp-client';

let lab: Lab;
let stop: () => Promise<void>;
let watch: Watch;

beforeAll(async () => {
  ({ lab, stop } = await startLab());
  watch = new Watch(lab);
});
afterAll(async () => {
  watch.stop();
  await stop();
});

/** How long a held unit is watched to make sure nothing of it reaches the server. */
const QUIET_MS = 100;

describe('stepping through a delivery', () => {
  it('releases exactly one unit per Next, and nothing reaches the server before it', async () => {
    const delivery = await lab.send(form({ to: ['one@lab.test', 'two@lab.test'] }), { profile: 'submission' }, 'step');
    const units = await watch.stepThrough(lab, delivery, async (gate) => {
      // A unit may be held while the reply to the one before it is still on its way.
      await sleep(QUIET_MS);
      const before = { client: watch.lines(delivery, 'client').length, server: watch.lines(delivery, 'server').length };
      await sleep(QUIET_MS);
      // Held means held: not recorded as sent, and the server has nothing to answer.
      expect(watch.lines(delivery, 'client').length).toBe(before.client);
      expect(watch.lines(delivery, 'server').length).toBe(before.server);
      expect(gate.released).toBe(gate.held?.index);
    });
    const done = await watch.ended(delivery);
    expect(done.outcome).toBe('accepted');

    const shown = units.map((gate) => (gate.held?.kind === 'content' ? 'content' : (gate.held?.lines[0] ?? '').split(' ')[0]));
    // What nodemailer really sends over submission (it closes after the 250 without QUIT).
    expect(shown).toEqual(['EHLO', 'STARTTLS', 'EHLO', 'AUTH', 'MAIL', 'RCPT', 'RCPT', 'DATA', 'content']);
    const clientLines = watch.lines(delivery, 'client');
    const unitLines = units.reduce((sum, gate) => sum + (gate.held?.lines.length ?? 0), 0);
    expect(clientLines.length).toBe(unitLines);
    // Each released line is recorded when it left the gate, with when the client wrote it.
    expect(clientLines.every((line) => line.sentAt !== undefined && line.sentAt <= line.at)).toBe(true);
    const content = units.at(-1)?.held;
    expect(content?.lines.at(-1)).toBe('.');
    expect(content?.lines).toContain('Subject: Hello from the lab');
    expect(content?.tls).toBe(true);
  });

  it('pipelined MAIL, RCPT and DATA are separate units, written before the first was released', async () => {
    const delivery = await lab.send(form({ to: ['a@lab.test', 'b@lab.test'] }), { profile: 'plain' }, 'step');
    // A learner reads each reply before pressing Next.
    const units = await watch.stepThrough(lab, delivery, () => sleep(QUIET_MS));
    expect((await watch.ended(delivery)).outcome).toBe('accepted');
    expect(units.map((gate) => gate.held?.lines[0]?.split(':')[0])).toEqual(['EHLO compose.lab.test', 'MAIL FROM', 'RCPT TO', 'RCPT TO', 'DATA', 'From']);
    const client = watch.lines(delivery, 'client');
    const batch = client.filter((line) => /^(MAIL|RCPT|DATA)/.test(line.text));
    expect(batch).toHaveLength(4);
    // One write from the client: the same sentAt for all four, and before the MAIL left the gate.
    const sentAt = batch[0]?.sentAt ?? -1;
    expect(batch.every((line) => line.sentAt === sentAt)).toBe(true);
    for (const line of batch) expect(sentAt).toBeLessThan(line.at);
    // Released one at a time: the server's answer to MAIL came before RCPT was even released.
    const events = watch.events(delivery).filter((event) => event.dir !== 'info');
    const mailReply = events.findIndex((event) => event.text.startsWith('250 2.1.0'));
    const firstRcpt = events.findIndex((event) => event.text.startsWith('RCPT'));
    expect(mailReply).toBeLessThan(firstRcpt);
  });

  it('Play releases a unit every interval and finishes by itself', async () => {
    const delivery = await lab.send(form(), { profile: 'smtps' }, 'step');
    await watch.held(delivery, 0);
    const startedAt = Date.now();
    lab.controlDelivery(delivery.id, 'play', 60);
    const done = await watch.ended(delivery);
    expect(done.outcome).toBe('accepted');
    // smtps: EHLO, AUTH, MAIL, RCPT, DATA, content — at least five intervals between them.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(5 * 60);
    expect(watch.gates.some((gate) => gate.delivery === delivery.id && gate.playing && gate.intervalMs === 60)).toBe(true);
  });

  it('Pause stops Play; Run releases everything and holds nothing more', async () => {
    const delivery = await lab.send(form(), { profile: 'submission' }, 'step');
    await watch.held(delivery, 0);
    lab.controlDelivery(delivery.id, 'play', 50);
    await watch.held(delivery, 2);
    lab.controlDelivery(delivery.id, 'pause');
    const paused = watch.gate(delivery)?.released ?? -1;
    await sleep(200);
    expect(watch.gate(delivery)?.released).toBe(paused);
    expect(watch.gate(delivery)?.playing).toBe(false);
    lab.controlDelivery(delivery.id, 'run');
    const done = await watch.ended(delivery);
    expect(done.outcome).toBe('accepted');
    // Lines after Run were never held, so they carry no sentAt.
    expect(watch.lines(delivery, 'client').at(-1)).not.toHaveProperty('sentAt');
  });

  it('Abort during the content: the client sees the close, nothing is stored, the conversation ends', async () => {
    const messages = accepted(lab);
    const delivery = await lab.send(form({ subject: 'Never arrives' }), { profile: 'submission' }, 'step');
    for (let index = 0; ; index++) {
      const gate = await watch.held(delivery, index);
      if (gate?.held?.kind === 'content') break;
      lab.controlDelivery(delivery.id, 'next');
    }
    lab.controlDelivery(delivery.id, 'abort');
    const done = await watch.ended(delivery);
    expect(done.outcome).toBe('aborted');
    expect(done.queueId).toBeNull();
    await sleep(100);
    expect(accepted(lab)).toBe(messages);
    expect(watch.lines(delivery, 'client').some((line) => line.text.startsWith('Subject:'))).toBe(false);
    const conversation = await eventually(() => {
      const found = lab.getConversation(delivery.conversation);
      return found?.endedAt ? found : null;
    });
    expect(conversation.lines.at(-1)?.info).toBe('closed');
    expect(() => lab.controlDelivery(delivery.id, 'next')).toThrow(/No delivery/);
  });
});

/** Messages the lab's servers accepted; mailbox copies of earlier mail may still arrive meanwhile. */
function accepted(lab: Lab): number {
  return lab.listMessages().filter((message) => !message.mailbox).length;
}
