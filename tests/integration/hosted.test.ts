/**
 * Hosted mode over real HTTP, WebSocket and SMTP: every browser (cookie jar) has a lab of its own,
 * nothing of one lab reaches another, and outside clients get in only with a lab's credentials.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { SMTPServer } from 'smtp-server';
import type { ConversationDetail, MessageSummary } from '../../core/wire';
import type { WorldEvent } from '../../core/world/world-events';
import { Browser, sendAs } from '../support/hosted-browser';
import { startHostedTestBridge, type HostedTestBridge } from '../support/lab-process';
import { eventually, RawClient, textOf } from './smtp-client';

describe('hosted mode: a lab per browser', () => {
  let bridge: HostedTestBridge;
  let caPem: string;
  const ada = () => new Browser(bridge);

  beforeAll(async () => {
    bridge = await startHostedTestBridge({ nodeName: 'n1', limits: { labsPerAddress: 20, openConversations: 2, messages: 2, unauthenticatedCommands: 8 } });
    caPem = await (await fetch(new URL('/api/ca.pem', bridge.webUrl))).text();
  });
  afterAll(() => bridge.close());

  it('gives each browser its own lab, kept across reloads by an HttpOnly cookie', async () => {
    const first = ada();
    const page = await first.get('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('x-lab-node')).toBe('n1');
    expect(page.headers.get('set-cookie')).toMatch(/^smtplab_lab=n1-[\w-]{20,}; Path=\/; HttpOnly; SameSite=Strict/);
    const lab = await first.lab();
    expect(lab.id).toMatch(/^n1-/);
    expect(lab.credentials.user).toMatch(/^lab-[0-9a-f]{8}$/);
    expect(lab.credentials.pass.length).toBeGreaterThanOrEqual(16);
    expect(lab.hosted.idleMinutes).toBe(30);

    // Security headers on every page, and no private key among what is served.
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const ca = await (await first.get('/api/ca.pem')).text();
    expect(ca).toContain('BEGIN CERTIFICATE');
    expect(ca).not.toMatch(/PRIVATE KEY/);

    const reload = await first.get('/');
    expect(reload.headers.get('set-cookie')).toBeNull();
    expect((await first.lab()).id).toBe(lab.id);

    const second = ada();
    await second.get('/');
    const other = await second.lab();
    expect(other.id).not.toBe(lab.id);
    expect(other.credentials.user).not.toBe(lab.credentials.user);
  });

  it('answers the API only for the caller’s own lab', async () => {
    const stranger = ada();
    const res = await stranger.get('/api/messages');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toMatch(/open the lab page first/);
    stranger.cookie = 'smtplab_lab=n1-thisIsNotALabIdAtAllReally';
    expect((await stranger.get('/api/conversations')).status).toBe(401);
  });

  it('takes outside mail only with a lab’s own credentials, and shows it to that lab alone', async () => {
    const one = ada();
    const two = ada();
    await one.get('/');
    await two.get('/');
    const labOne = await one.lab();
    const [pageOne, pageTwo] = [await one.socket(), await two.socket()];
    expect((await pageOne.welcome()).lab.credentials).toEqual(labOne.credentials);

    const id = await sendAs(bridge, labOne.credentials, 'For lab one', caPem);
    expect(id).toMatch(/^\w+$/);
    const messagesOne = await eventually(async () => {
      const list = await one.json<MessageSummary[]>('/api/messages');
      return list.some((m) => m.id === id) ? list : null;
    });
    expect(messagesOne.find((m) => m.id === id)?.subject).toBe('For lab one');
    expect(await two.json<MessageSummary[]>('/api/messages')).toEqual([]);
    expect((await two.get(`/api/messages/${id}/raw`)).status).toBe(404);

    // The whole conversation, EHLO and STARTTLS before the AUTH included, is lab one's.
    const conversations = await one.json<ConversationDetail[]>('/api/conversations');
    const outside = conversations.find((c) => c.origin === 'external');
    expect(outside?.lines.some((l) => l.dir === 'client' && /^EHLO /.test(l.text))).toBe(true);
    expect(outside?.lines.some((l) => l.dir === 'server' && l.text.startsWith('235'))).toBe(true);
    expect(await two.json<ConversationDetail[]>('/api/conversations')).toEqual([]);
    await eventually(() => pageOne.received.some((m) => m.type === 'message.stored' && m.message.id === id));
    expect(pageTwo.received.filter((m) => m.type === 'wire' || m.type === 'message.stored' || m.type === 'conversation.started')).toEqual([]);
    pageOne.close();
    pageTwo.close();
  });

  it('refuses outside clients without a lab’s credentials with the right replies', async () => {
    const client = await RawClient.connect(bridge.smtp.port);
    expect((await client.reply()).code).toBe(220);
    expect((await client.command('EHLO stranger.example')).code).toBe(250);
    const mail = await client.command('MAIL FROM:<spam@example.test>');
    expect(mail.code).toBe(530);
    await client.command('STARTTLS');
    await client.startTls(caPem);
    await client.command('EHLO stranger.example');
    const wrong = await client.command(`AUTH PLAIN ${Buffer.from('\0lab-00000000\0guess').toString('base64')}`);
    expect(wrong.code).toBe(535);
    expect(textOf(wrong)).toMatch(/5\.7\.8/);
    // It cannot go on guessing: the third wrong login gets 421 and the door closes.
    expect((await client.command(`AUTH PLAIN ${Buffer.from('\0lab-00000000\0guess2').toString('base64')}`)).code).toBe(535);
    const third = await client.command(`AUTH PLAIN ${Buffer.from('\0lab-00000000\0guess3').toString('base64')}`);
    expect(third.code).toBe(421);
    await client.ended;
  });

  it('cuts off a client that only talks without logging in, past --max-unauthenticated commands', async () => {
    const client = await RawClient.connect(bridge.smtp.port);
    expect((await client.reply()).code).toBe(220);
    const codes: number[] = [];
    while (codes.length < 20 && !client.isEnded && codes.at(-1) !== 421) codes.push((await client.command('NOOP')).code);
    // The eighth command (8 in this bridge) gets 421, and the connection closes.
    expect(codes).toEqual([...Array<number>(7).fill(250), 421]);
    await client.ended;
  });

  it('caps open conversations per lab and says so', async () => {
    const browser = ada();
    await browser.get('/');
    const page = await browser.socket();
    await page.welcome();
    for (const ref of ['t1', 't2']) {
      page.send({ type: 'terminal.open', ref });
      await page.next((m) => m.type === 'terminal.opened' && m.ref === ref);
    }
    page.send({ type: 'terminal.open', ref: 't3' });
    const refused = await page.next((m) => m.type === 'error' && m.ref === 't3');
    expect(refused).toMatchObject({ code: 'limit' });
    expect(refused.type === 'error' && refused.message).toMatch(/2 open conversations/);
    page.close();
  });

  it('drops the oldest messages past the lab’s limit and tells its pages', async () => {
    const browser = ada();
    await browser.get('/');
    const lab = await browser.lab();
    const page = await browser.socket();
    await page.welcome();
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push(await sendAs(bridge, lab.credentials, `Message ${n}`, caPem));
    const dropped = await eventually(() => page.received.find((m) => m.type === 'messages.dropped'));
    expect(dropped.type === 'messages.dropped' && dropped.ids).toEqual([ids[0]]);
    expect(dropped.type === 'messages.dropped' && dropped.reason).toMatch(/at most 2 messages/);
    const kept = (await browser.json<MessageSummary[]>('/api/messages')).filter((m) => m.mailbox === null).map((m) => m.id);
    expect(kept).toEqual(ids.slice(1));
    page.close();
  });
});

describe('hosted mode: limits on a busy lab', () => {
  let bridge: HostedTestBridge;
  beforeAll(async () => {
    bridge = await startHostedTestBridge({ limits: { commandsPerSecond: 5, idleMs: 300, labsPerAddress: 3 } });
  });
  afterAll(() => bridge.close());

  it('slows down a page that sends too many commands, and keeps serving it', async () => {
    const browser = new Browser(bridge);
    await browser.get('/');
    const page = await browser.socket();
    await page.welcome();
    for (let i = 0; i < 30; i++) page.send({ type: 'conversation.get', conversation: 'c999', ref: `r${i}` });
    const slowed = await page.next((m) => m.type === 'error' && m.code === 'rate-limited');
    expect(slowed.type === 'error' && slowed.message).toMatch(/at most 5 commands a second/);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    page.send({ type: 'conversation.get', conversation: 'c999', ref: 'after' });
    expect(await page.next((m) => m.type === 'error' && m.ref === 'after')).toMatchObject({ code: 'unknown-conversation' });
    page.close();
  });

  it('closes a lab nobody uses and frees it; the next visit gets a new one', async () => {
    const browser = new Browser(bridge);
    await browser.get('/');
    const before = await browser.lab();
    const page = await browser.socket();
    await page.welcome();
    const labs = bridge.directory?.size ?? 0;
    page.close();
    // Not polled over HTTP: asking the API is using the lab.
    await eventually(() => bridge.directory?.get(before.id) === undefined, 10_000);
    expect(bridge.directory?.size).toBeLessThan(labs);
    expect((await browser.get('/api/lab')).status).toBe(401);
    await browser.get('/');
    expect((await browser.lab()).id).not.toBe(before.id);
  });
});

describe('hosted mode: labs per address', () => {
  let bridge: HostedTestBridge;
  beforeAll(async () => {
    bridge = await startHostedTestBridge({ limits: { labsPerAddress: 2 } });
  });
  afterAll(() => bridge.close());

  it('limits labs per client address with a clear answer', async () => {
    const browsers = [new Browser(bridge), new Browser(bridge), new Browser(bridge)];
    const statuses: number[] = [];
    for (const browser of browsers) statuses.push((await browser.get('/')).status);
    expect(statuses).toEqual([200, 200, 429]);
    const refused = await browsers[2]?.get('/');
    expect(await refused?.text()).toMatch(/already holds 2 labs/);
    // A browser that has a lab keeps it.
    expect((await browsers[0]?.get('/'))?.status).toBe(200);
  });
});

describe('hosted mode with a smarthost: only mail sent with the lab’s login leaves', () => {
  let bridge: HostedTestBridge;
  let caPem: string;
  const received: string[][] = [];
  // A second real SMTP server on loopback stands in for the operator's smarthost.
  const smarthost = new SMTPServer({
    authOptional: true,
    hideSTARTTLS: true,
    disableReverseLookup: true,
    logger: false,
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        received.push(session.envelope.rcptTo.map((r) => r.address));
        callback();
      });
    },
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => smarthost.listen(0, '127.0.0.1', resolve));
    const port = (smarthost.server.address() as AddressInfo).port;
    bridge = await startHostedTestBridge({}, { outbound: { relay: `smtp://127.0.0.1:${port}`, allowOutbound: ['allowed.example'] } });
    caPem = await (await fetch(new URL('/api/ca.pem', bridge.webUrl))).text();
  });
  afterAll(async () => {
    await bridge?.close();
    await new Promise<void>((resolve) => smarthost.close(() => resolve()));
  });

  it('keeps an anonymous visitor’s terminal mail in the outside mailbox, and sends the lab login’s mail out', async () => {
    const visitor = new Browser(bridge);
    await visitor.get('/');
    const lab = await visitor.lab();
    const page = await visitor.socket();
    await page.welcome();
    page.send({ type: 'terminal.open', ref: 'spoof' });
    const opened = await page.next((m) => m.type === 'terminal.opened' && m.ref === 'spoof');
    if (opened.type !== 'terminal.opened') throw new Error('unreachable');
    const id = opened.conversation.id;
    await page.serverLine(id, '220');
    const lines: Array<[string, string]> = [
      ['EHLO visitor.example', '250 '],
      ['MAIL FROM:<ceo@allowed.example>', '250'],
      ['RCPT TO:<friend@allowed.example>', '250'],
      ['DATA', '354'],
    ];
    for (const [line, reply] of lines) {
      const answered = page.serverLine(id, reply);
      page.send({ type: 'terminal.line', conversation: id, text: line });
      await answered;
    }
    const queued = page.serverLine(id, '250');
    page.send({ type: 'terminal.lines', conversation: id, lines: ['Subject: wire the money', '', 'Now.', '.'] });
    await queued;
    const fateOf = async (recipient: string, queueId?: string) =>
      (await visitor.json<WorldEvent[]>('/api/world/events')).find(
        (e): e is Extract<WorldEvent, { type: 'recipient' }> => e.type === 'recipient' && e.recipient === recipient && (queueId === undefined || e.queueId === queueId),
      );
    const kept = await eventually(() => fateOf('friend@allowed.example'));
    expect(kept.outcome).toBe('outside');
    expect(kept.response).toMatch(/only mail sent after logging in/);
    expect(received).toEqual([]);

    const queueId = await sendAs(bridge, lab.credentials, 'With the lab login', caPem, { to: 'friend@allowed.example' });
    const sent = await eventually(() => fateOf('friend@allowed.example', queueId));
    expect(sent.outcome).toBe('delivered');
    expect(received).toEqual([['friend@allowed.example']]);
    page.close();
  });
});

describe('hosted mode: slow strangers on the SMTP ports', () => {
  let bridge: HostedTestBridge;
  let caPem: string;

  beforeAll(async () => {
    bridge = await startHostedTestBridge({ limits: { loginDeadlineMs: 600, connectionsPerAddress: 2 } });
    caPem = await (await fetch(new URL('/api/ca.pem', bridge.webUrl))).text();
  });
  afterAll(() => bridge.close());

  /** A client that connected and read the greeting, then sits there. */
  async function greeted(): Promise<RawClient> {
    const client = await RawClient.connect(bridge.smtp.port);
    expect((await client.reply()).code).toBe(220);
    return client;
  }

  it('says 421 to a client that has not logged in by the deadline, and hangs up', async () => {
    const started = Date.now();
    const client = await greeted();
    expect((await client.command('EHLO slow.example')).code).toBe(250);
    const cut = await client.reply(3_000);
    expect(cut.code).toBe(421);
    expect(textOf(cut)).toMatch(/4\.4\.2 No login within 0\.6 s/);
    await client.ended;
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
  });

  it('hangs up on a client that never even starts TLS on the implicit-TLS port by the deadline', async () => {
    const started = Date.now();
    const silent = net.connect({ host: '127.0.0.1', port: bridge.smtps.port });
    silent.on('error', () => {});
    const closed = new Promise((resolve) => silent.once('close', resolve));
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 3_000))]);
    expect(silent.destroyed).toBe(true);
    silent.destroy();
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
  });

  it('lets a client that logged in in time stay past the deadline', async () => {
    const browser = new Browser(bridge);
    await browser.get('/');
    const lab = await browser.lab();
    const client = await greeted();
    await client.command('EHLO quick.example');
    await client.command('STARTTLS');
    await client.startTls(caPem);
    await client.command('EHLO quick.example');
    expect((await client.command(`AUTH PLAIN ${Buffer.from(`\0${lab.credentials.user}\0${lab.credentials.pass}`).toString('base64')}`)).code).toBe(235);
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect((await client.command('NOOP')).code).toBe(250);
    await client.command('QUIT');
  });

  it('answers one connection too many from an address with 421, and takes it again once one closes', async () => {
    const [first, second] = [await greeted(), await greeted()];
    const third = await RawClient.connect(bridge.smtp.port);
    const refused = await third.reply();
    expect(refused.code).toBe(421);
    expect(textOf(refused)).toMatch(/Too many connections from 127\.0\.0\.1: at most 2 at once/);
    await third.ended;
    // The cap holds for both ports together; on the implicit-TLS port the 421 comes inside TLS.
    const secure = tls.connect({ host: '127.0.0.1', port: bridge.smtps.port, ca: caPem, servername: 'localhost' });
    const firstLine = await new Promise<string>((resolve, reject) => {
      secure.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1')));
      secure.once('error', reject);
    });
    secure.destroy();
    expect(firstLine).toMatch(/^421 4\.7\.0 Too many connections/);
    first.close();
    await first.ended;
    await eventually(async () => {
      const again = await RawClient.connect(bridge.smtp.port);
      const code = (await again.reply()).code;
      again.close();
      return code === 220;
    });
    second.close();
  });
});
