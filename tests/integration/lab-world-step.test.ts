/**
 * The mail world from the compose form: a stepped delivery's relay hop is held at a gate and
 * stepped with the same controls; an unknown user's mail comes back as a bounce in the sender's
 * mailbox; a lesson can send, settle and read the mailbox copies; the lab closes promptly with a
 * hop held mid-way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../bridge/lab/lab-types';
import { replayActions } from '../../bridge/lessons/replay';
import { createLabClock } from '../../bridge/world/lab-clock';
import type { DeliverySummary } from '../../core/protocol/delivery';
import { form, Watch } from './delivery-support';
import { eventually, startLab } from './smtp-client';

let lab: Lab;
let stop: () => Promise<void>;
let watch: Watch;
const started: DeliverySummary[] = [];

beforeAll(async () => {
  // No real timers: only a fast-forward moves the world's waits.
  ({ lab, stop } = await startLab({ world: { clock: createLabClock({ realTimers: false }) } }));
  watch = new Watch(lab);
  lab.on('delivery.started', (delivery) => started.push(delivery));
});
afterAll(async () => {
  watch.stop();
  await stop();
});

describe('the mail world behind the compose form', () => {
  it('holds the relay hop of a stepped delivery at a gate, as a delivery of kind relay, when the learner chose to step hops', async () => {
    const delivery = await lab.send(form({ to: ['bob@example.test'], subject: 'Stepped all the way' }), { profile: 'submission' }, 'step', { stepHops: true });
    expect(delivery.stepHops).toBe(true);
    await watch.stepThrough(lab, delivery);
    expect((await watch.ended(delivery)).outcome).toBe('accepted');

    const hop = await eventually(() => started.find((d) => d.kind === 'relay' && d.parent === delivery.id));
    expect(hop).toMatchObject({ mode: 'step', hop: 1, endedAt: null });
    expect(lab.getConversation(hop.conversation)).toMatchObject({ origin: 'relay', peer: 'smtp.lab.test → mx.example.test' });
    expect(lab.listDeliveries().some((d) => d.id === hop.id)).toBe(true);

    // Nothing reaches the MX before the learner releases it: the relay's EHLO waits at the gate.
    const first = await watch.held(hop, 0);
    expect(first?.held?.lines).toEqual(['EHLO smtp.lab.test']);
    expect(watch.lines(hop, 'client')).toEqual([]);
    expect(lab.mailbox('bob@example.test')).toEqual([]);
    // A page that opens now (or reloads) is told what waits, not only pages that saw it arrive.
    expect(lab.listGates().find((gate) => gate.delivery === hop.id)?.held?.lines).toEqual(['EHLO smtp.lab.test']);

    const units = await watch.stepThrough(lab, hop);
    expect(units.some((gate) => gate.held?.kind === 'content')).toBe(true);
    const done = await watch.ended(hop);
    expect(done).toMatchObject({ outcome: 'accepted', kind: 'relay' });
    expect(lab.listGates().some((gate) => gate.delivery === hop.id)).toBe(false);
    expect(done.response).toMatch(/^250 .*queued as/);
    const [copy] = lab.mailbox('bob@example.test');
    expect(copy?.subject).toBe('Stepped all the way');
    expect(done.messageId).toBe(copy?.id);
  });

  it('carries a stepped delivery through its relay hop on Run to end when hops are not stepped', async () => {
    const delivery = await lab.send(form({ to: ['alice@example.test'], subject: 'Run all the way' }), { profile: 'submission' }, 'step');
    expect(delivery.stepHops).toBe(false);
    await watch.held(delivery, 0);
    lab.controlDelivery(delivery.id, 'run');
    expect((await watch.ended(delivery)).outcome).toBe('accepted');
    // No Next waits anywhere: the relay takes the mail on to the recipient's mailbox by itself.
    await lab.worldSettled();
    expect(lab.mailbox('alice@example.test').map((m) => m.subject)).toContain('Run all the way');
    expect(started.some((d) => d.kind === 'relay' && d.parent === delivery.id)).toBe(false);
    expect(lab.listGates()).toEqual([]);
  });

  it('does not step the relay hop of an instant delivery', async () => {
    const delivery = await lab.send(form({ to: ['carol@example.test'] }), { profile: 'submission' }, 'instant');
    await watch.ended(delivery);
    await lab.worldSettled();
    expect(lab.mailbox('carol@example.test')).toHaveLength(1);
    expect(started.some((d) => d.kind === 'relay' && d.parent === delivery.id)).toBe(false);
  });

  it("bounces mail for an unknown user at example.test into learner@lab.test's mailbox", async () => {
    const delivery = await lab.send(form({ to: ['unknown@example.test'], subject: 'Nobody home' }), { profile: 'submission' }, 'instant');
    await watch.ended(delivery);
    const bounce = await eventually(() => lab.mailbox('learner@lab.test').find((m) => m.envelopeFrom === ''));
    expect(bounce.mailbox).toBe('learner@lab.test');
    const raw = lab.getRawMessage(bounce.id)?.toString() ?? '';
    expect(raw).toMatch(/Content-Type: multipart\/report;[\s\S]*report-type=delivery-status/i);
    expect(raw).toContain('Final-Recipient: rfc822; unknown@example.test');
    expect(raw).toMatch(/550 5\.1\.1/);
    // The bounce came back over a hop of its own, recorded like the first.
    const back = lab.getConversation(bounce.conversation);
    expect(back).toMatchObject({ origin: 'relay', peer: 'smtp.lab.test → mx.lab.test' });
    expect(lab.worldEvents().some((e) => e.type === 'bounce' && e.to === 'learner@lab.test')).toBe(true);
  });

  it('gives a lesson the mailbox copies as evidence, each addressed to its mailbox', async () => {
    const evidence = await replayActions(lab, [
      { send: { compose: form({ to: ['alice@example.test', 'greylist@example.test'], subject: 'For the lesson' }), connection: { profile: 'submission' } } },
      { settle: true },
      { advance: 10 * 60_000 },
      { settle: true },
    ]);
    const copies = evidence.messages.filter((m) => m.raw.includes('Subject: For the lesson') && /^Return-Path: <learner@lab\.test>\r\nReceived: from[\s\S]*?by mx\.example\.test/.test(m.raw));
    expect(copies.map((m) => m.envelopeTo[0]).sort()).toEqual(['alice@example.test', 'greylist@example.test']);
    expect(evidence.conversations.length).toBeGreaterThan(0);
  });

  it('opens a terminal on the submission server, which wants AUTH before MAIL', async () => {
    const terminal = await lab.openTerminal('submission');
    const replies: string[] = [];
    lab.on('wire', (event) => {
      if (event.conversation === terminal.conversation.id && event.dir === 'server') replies.push(event.text);
    });
    await eventually(() => replies.some((line) => line.startsWith('220')));
    terminal.send('EHLO me.example');
    await eventually(() => replies.some((line) => line.startsWith('250 ')));
    terminal.send('MAIL FROM:<me@lab.test>');
    await eventually(() => replies.some((line) => line.startsWith('530'))).catch(() => {
      throw new Error(replies.join('\n'));
    });
    terminal.close();
  });

  it('closes promptly with a relay hop held at its gate', async () => {
    const delivery = await lab.send(form({ to: ['alice@example.test'], subject: 'Left waiting' }), { profile: 'submission' }, 'step', { stepHops: true });
    lab.controlDelivery(delivery.id, 'run');
    const hop = await eventually(() => started.find((d) => d.kind === 'relay' && d.parent === delivery.id));
    await watch.held(hop, 0);
    const begin = Date.now();
    watch.stop();
    await stop();
    expect(Date.now() - begin).toBeLessThan(1_500);
    // afterAll closes again: closing twice must be harmless.
  });
});
