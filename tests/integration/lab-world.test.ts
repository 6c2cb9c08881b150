/**
 * The mail world wired into a running bridge: mail an outside client hands the lab's SMTP port
 * travels on through a recorded relay hop into a mailbox; the JSON API and the WebSocket show the
 * world, its mailboxes, its events and its clock; a greylisted recipient gets its mail after the
 * page fast-forwards the clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeMessage } from '../../core/protocol/messages';
import type { MessageSummary } from '../../core/wire';
import type { MailboxSummary, WorldDescription, WorldEvent } from '../../core/world/world-events';
import { startTestBridge, type TestBridge } from '../support/lab-process';
import { LabSocket } from '../support/ws-client';
import { form } from './delivery-support';
import { eventually, RawClient, textOf } from './smtp-client';

let bridge: TestBridge;
let page: LabSocket;

beforeAll(async () => {
  bridge = await startTestBridge();
  page = await LabSocket.open(bridge.webUrl);
  await page.welcome();
});
afterAll(async () => {
  page.close();
  await bridge.close();
});

const api = async <T>(path: string): Promise<T> => (await (await fetch(new URL(path, bridge.webUrl))).json()) as T;
const worldEvents = (): WorldEvent[] => page.received.flatMap((m) => (m.type === 'world.event' ? [m.event] : []));

describe('the mail world in a running bridge', () => {
  it('welcomes a page with the world, its mailboxes, recent events and the lab clock', async () => {
    const welcome = await page.welcome();
    expect(welcome.world.domains.map((d) => d.name)).toEqual(expect.arrayContaining(['lab.test', 'example.test', 'greylist.test']));
    expect(Array.isArray(welcome.mailboxes)).toBe(true);
    expect(Array.isArray(welcome.worldEvents)).toBe(true);
    expect(Math.abs(welcome.clock - Date.now())).toBeLessThan(60_000);
  });

  it('relays what an outside client sent to the SMTP port into alice@example.test, over a recorded relay hop', async () => {
    const client = await RawClient.connect(bridge.smtp.port);
    await client.reply();
    await client.command('EHLO app.example');
    await client.command('MAIL FROM:<app@lab.test>');
    await client.command('RCPT TO:<alice@example.test>');
    await client.command('DATA');
    client.write('From: app@lab.test\r\nTo: alice@example.test\r\nSubject: Through the world\r\n\r\nHello Alice.\r\n.\r\n');
    const queued = await client.reply();
    expect(queued.code).toBe(250);
    const id = /queued as (\w+)/.exec(textOf(queued))?.[1] ?? '';
    await client.command('QUIT');

    const [copy] = await eventually(() => {
      const box = bridge.lab.mailbox('alice@example.test').filter((m) => m.subject === 'Through the world');
      return box.length ? box : null;
    });
    expect(copy).toMatchObject({ mailbox: 'alice@example.test', envelopeFrom: 'app@lab.test', envelopeTo: ['alice@example.test'] });

    // The hop that carried it is a conversation like any other, from the lab's relay to the MX.
    // The MX files the copy before its 250 is on the wire: wait for that reply on the record (the
    // connection itself may stay open a while for more mail).
    const hop = await eventually(() => {
      const found = bridge.lab.getConversation(copy?.conversation ?? '');
      return found?.lines.some((line) => line.dir === 'server' && /^250 .*queued as/.test(line.text)) ? found : null;
    });
    expect(hop).toMatchObject({ origin: 'relay', peer: 'smtp.lab.test → mx.example.test' });
    expect(hop.lines.some((line) => line.dir === 'client' && line.text === 'RCPT TO:<alice@example.test>')).toBe(true);
    expect(hop.lines.some((line) => line.dir === 'server' && /^250 .*queued as/.test(line.text))).toBe(true);

    // Each server that took it added its Received: on top: the MX's above the submission server's.
    const raw = bridge.lab.getRawMessage(copy?.id ?? '')?.toString() ?? '';
    const received = raw.split('\r\n').filter((line) => line.startsWith('Received:'));
    expect(received).toHaveLength(2);
    const mx = raw.indexOf('by mx.example.test');
    const submission = raw.indexOf('by smtp.lab.test');
    expect(mx).toBeGreaterThan(-1);
    expect(submission).toBeGreaterThan(mx);
    expect(raw).toContain(`id ${id}`);

    // The accepted message is still listed as accepted, and its mailbox copy beside it.
    const messages = await api<MessageSummary[]>('/api/messages');
    expect(messages.find((m) => m.id === id)).toMatchObject({ mailbox: null, envelopeTo: ['alice@example.test'] });
    expect(messages.find((m) => m.id === copy?.id)).toMatchObject({ mailbox: 'alice@example.test', subject: 'Through the world' });

    const mailboxes = await api<MailboxSummary[]>('/api/mailboxes');
    expect(mailboxes.find((box) => box.address === 'alice@example.test')).toMatchObject({ outside: false });
    const box = await api<MessageSummary[]>('/api/mailboxes/alice%40example.test');
    expect(box.map((m) => m.id)).toContain(copy?.id);
    expect((await fetch(new URL('/api/mailboxes/nobody%40nowhere.test', bridge.webUrl))).status).toBe(404);

    const download = await fetch(new URL(`/api/messages/${copy?.id}/raw?download=1`, bridge.webUrl));
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="${copy?.id}.eml"`);
    expect(await download.text()).toBe(raw);

    // The page heard the journey as it happened.
    const heard = await eventually(() => {
      const events = worldEvents().filter((e) => 'queueId' in e && e.queueId === id);
      return events.some((e) => e.type === 'done') ? events : null;
    });
    expect(heard.map((e) => e.type)).toEqual(expect.arrayContaining(['queued', 'dns.lookup', 'relay.hop', 'recipient', 'done']));
    expect(page.received.some((m) => m.type === 'message.stored' && m.message.id === copy?.id && m.message.mailbox === 'alice@example.test')).toBe(true);
    expect(page.received.some((m) => m.type === 'conversation.started' && m.conversation.origin === 'relay')).toBe(true);
    const recent = await api<WorldEvent[]>('/api/world/events');
    expect(recent.some((e) => e.type === 'queued' && e.queueId === id)).toBe(true);
  });

  it('describes the world at /api/world', async () => {
    const world = await api<WorldDescription>('/api/world');
    const example = world.domains.find((d) => d.name === 'example.test');
    expect(example?.mx).toEqual([{ preference: 10, exchange: 'mx.example.test' }]);
    expect(world.hosts.map((h) => h.name)).toContain('mx.example.test');
    expect(world.relay.name).toBe('smtp.lab.test');
    // The PTR records a strict host reads: the relay's address, and each host's.
    expect(world.relay.ptr).toEqual(['smtp.lab.test']);
    expect(world.hosts.find((h) => h.name === 'mx.chunks.test')).toMatchObject({ chunking: true, ptr: ['mx.chunks.test'] });
    expect(world.hosts.find((h) => h.name === 'mx.strict.test')).toMatchObject({ strictHelo: true, ptr: ['mx.strict.test'] });
  });

  it('serves the MTA-STS policy of tls-required.test, and none for a domain without one', async () => {
    const policy = await fetch(new URL('/api/world/mta-sts/tls-required.test', bridge.webUrl));
    expect(policy.status).toBe(200);
    expect(policy.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await policy.text()).toMatch(/^version: STSv1\r\nmode: enforce\r\nmx: mx\.tls-required\.test\r\nmx: mx2\.tls-required\.test\r\nmax_age: \d+\r\n$/);
    expect((await fetch(new URL('/api/world/mta-sts/example.test', bridge.webUrl))).status).toBe(404);
  });

  it('defers a greylisted recipient and delivers after the page fast-forwards the clock', async () => {
    const started = await bridge.lab.send(form({ to: ['greylist@example.test'], subject: 'Greylisted' }), { profile: 'submission' }, 'instant');
    const deferred = await page.next(
      (m): m is Extract<BridgeMessage, { type: 'world.event' }> =>
        m.type === 'world.event' && m.event.type === 'recipient' && m.event.recipient === 'greylist@example.test' && m.event.outcome === 'deferred',
    );
    if (deferred.event.type !== 'recipient') throw new Error('not a recipient event');
    expect(deferred.event.response).toMatch(/^451 4\.7\.1/);
    expect(bridge.lab.mailbox('greylist@example.test')).toEqual([]);
    const waitMs = (deferred.event.retryAt ?? 0) - deferred.event.at;
    expect(waitMs).toBeGreaterThan(0);

    const before = bridge.lab.clockNow();
    page.send({ type: 'clock.advance', ref: 'ff', ms: waitMs });
    const answer = await page.next((m): m is Extract<BridgeMessage, { type: 'clock' }> => m.type === 'clock' && m.ref === 'ff');
    expect(answer.now).toBeGreaterThanOrEqual(before + waitMs);

    const [copy] = await eventually(() => {
      const box = bridge.lab.mailbox('greylist@example.test');
      return box.length ? box : null;
    });
    expect(copy?.subject).toBe('Greylisted');
    const delivered = worldEvents().find((e) => e.type === 'recipient' && e.recipient === 'greylist@example.test' && e.outcome === 'delivered');
    expect(delivered).toMatchObject({ attempt: 2 });
    expect(started.mode).toBe('instant');
  });
});
