/**
 * The page that closes while something of it is paused. A terminal in the middle of DATA outlives
 * its page for the grace period: a page that comes back in time finishes the message, otherwise it
 * is dropped and nothing is stored. A stepped delivery belongs to the lab, not to one page: a page
 * that reconnects finds it held at its gate and can run it; if nobody comes back, the server's idle
 * timeout ends it and nothing is half-stored. Grace and timeouts are shortened here.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../bridge/lab/lab-types';
import { WsHub } from '../../bridge/web/ws-hub';
import type { BridgeMessage, ClientMessage } from '../../core/protocol/messages';
import { form } from '../integration/delivery-support';
import { eventually, startLab } from '../integration/smtp-client';
import { LabSocket } from '../support/ws-client';
import { sleep, watchForCrashes, type CrashWatch } from '../fuzz/guard';

const GRACE_MS = 300;
const SERVER_IDLE_MS = 1_200;

let lab: Lab;
let stop: () => Promise<void>;
let hub: WsHub;
let http: Server;
let webUrl: string;
let crashes: CrashWatch;

beforeAll(async () => {
  crashes = watchForCrashes();
  process.env.SMTP_LAB_LOG ??= 'quiet'; // the hub's info lines, as with the other bridge tests
  ({ lab, stop } = await startLab({ deliveryTimeouts: { serverSocketMs: SERVER_IDLE_MS } }));
  hub = new WsHub(lab, { boundHost: '127.0.0.1', terminalGraceMs: GRACE_MS });
  http = createServer((_req, res) => res.writeHead(404).end());
  http.on('upgrade', (req, socket, head) => hub.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  webUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  crashes.stop();
  await hub?.close();
  http?.closeAllConnections();
  await new Promise((resolve) => http?.close(resolve));
  await stop?.();
});

function accepted(): number {
  return lab.listMessages().filter((message) => !message.mailbox).length;
}

/** A terminal on a new page, taken as far as the middle of a message body. */
async function terminalInData(subject: string): Promise<{ page: LabSocket; id: string }> {
  const page = await LabSocket.open(webUrl);
  page.send({ type: 'terminal.open', ref: 'open' });
  const opened = await page.next((m) => m.type === 'terminal.opened');
  if (opened.type !== 'terminal.opened') throw new Error('unreachable');
  const id = opened.conversation.id;
  await page.serverLine(id, '220');
  for (const [text, reply] of [['EHLO page.example', '250 '], ['MAIL FROM:<page@example.test>', '250'], ['RCPT TO:<friend@lab.test>', '250'], ['DATA', '354']]) {
    const answered = page.serverLine(id, reply as string);
    page.send({ type: 'terminal.line', conversation: id, text: text as string });
    await answered;
  }
  for (const text of [`Subject: ${subject}`, '', 'the first half']) page.send({ type: 'terminal.line', conversation: id, text });
  await eventually(() => lab.getConversation(id)?.lines.some((l) => l.text === 'the first half'));
  return { page, id };
}

describe('a page that closes with a terminal in the middle of DATA', () => {
  it('is dropped after the grace period: conversation ended, nothing stored', async () => {
    const before = accepted();
    const { page, id } = await terminalInData('left behind');
    page.close();
    const ended = await eventually(() => lab.listConversations().find((c) => c.id === id && c.endedAt !== null), GRACE_MS + 3_000);
    expect(ended.endedAt).not.toBeNull();
    expect(accepted()).toBe(before);
    expect(crashes.problems).toEqual([]);
  });

  it('can be finished by a page that comes back within the grace period', async () => {
    const { page, id } = await terminalInData('came back');
    page.close();
    await sleep(GRACE_MS / 3);
    const again = await LabSocket.open(webUrl);
    const stored = again.next((m) => m.type === 'message.stored' && m.message.subject === 'came back');
    for (const text of ['the second half', '.']) again.send({ type: 'terminal.line', conversation: id, text });
    await stored;
    await sleep(GRACE_MS * 2); // past the grace period: the terminal is the new page's now
    const reply = again.serverLine(id, '250');
    again.send({ type: 'terminal.line', conversation: id, text: 'NOOP' });
    await reply;
    again.send({ type: 'terminal.close', conversation: id });
    again.close();
  });
});

describe('a page that closes while its stepped delivery is paused at the gate', () => {
  async function pausedDelivery(subject: string) {
    const page = await LabSocket.open(webUrl);
    const message: ClientMessage = { type: 'compose.send', ref: 'send', compose: form({ subject }), connection: { profile: 'plain' }, mode: 'step' };
    page.send(message);
    const started = await page.next((m) => m.type === 'delivery.started' && m.ref === 'send');
    if (started.type !== 'delivery.started') throw new Error('unreachable');
    const id = started.delivery.id;
    // Step to MAIL FROM and leave it held there.
    for (;;) {
      const gate = await page.next((m) => m.type === 'delivery.gate' && m.gate.delivery === id && m.gate.held !== null);
      if (gate.type === 'delivery.gate' && gate.gate.held?.lines[0]?.startsWith('MAIL')) break;
      page.send({ type: 'delivery.control', delivery: id, action: 'next' });
    }
    page.close();
    return id;
  }

  const finished = (id: string) => (m: BridgeMessage) => m.type === 'delivery.finished' && m.delivery.id === id;

  it('is still held for a page that reconnects, which can run it to the end', async () => {
    const id = await pausedDelivery('resumed by another page');
    const again = await LabSocket.open(webUrl);
    const welcome = await again.welcome();
    expect(welcome.deliveries.find((d) => d.id === id)?.endedAt).toBeNull();
    const done = again.next(finished(id));
    again.send({ type: 'delivery.control', delivery: id, action: 'run' });
    const result = await done;
    expect(result.type === 'delivery.finished' && result.delivery.outcome).toBe('accepted');
    expect(lab.listMessages().filter((m) => m.subject === 'resumed by another page')).toHaveLength(1);
    again.close();
  });

  it('ends without storing anything when nobody comes back before the server gives up', async () => {
    const before = accepted();
    const id = await pausedDelivery('abandoned');
    const delivery = await eventually(() => lab.listDeliveries().find((d) => d.id === id && d.endedAt !== null), SERVER_IDLE_MS + 5_000);
    expect(delivery.outcome).toBe('refused');
    expect(delivery.response).toMatch(/^421 /);
    expect(accepted()).toBe(before);
    expect(lab.listConversations().find((c) => c.id === delivery.conversation)?.endedAt).not.toBeNull();
    expect(crashes.problems).toEqual([]);
  });
});
