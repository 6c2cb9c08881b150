/**
 * Be the server: a real nodemailer and the lab's own relay talk over TCP to a server whose every
 * reply the learner types. Whole deliveries, a recipient refused beside one accepted (seen by the
 * client), a 4xx the relay retries on the lab clock, STARTTLS and AUTH inside the seat, and bad
 * input: a reply that is not SMTP is refused and never sent; a client that hangs up mid-session
 * ends its conversation and nothing else.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../bridge/lab/lab-types';
import { SeatReplyError } from '../../bridge/seat/server-seat';
import { createLabClock, type LabClock } from '../../bridge/world/lab-clock';
import type { WorldEvent } from '../../core/world/world-events';
import { SeatDriver } from './seat-driver';
import { eventually, RawClient, startLab } from './smtp-client';
import { startTestBridge } from '../support/lab-process';
import { LabSocket } from '../support/ws-client';

let lab: Lab;
let stop: () => Promise<void>;
let seat: SeatDriver;
let clock: LabClock;
const worldEvents: WorldEvent[] = [];

beforeAll(async () => {
  clock = createLabClock({ realTimers: false });
  ({ lab, stop } = await startLab({ world: { clock } }));
  seat = new SeatDriver(lab);
  lab.on('world.event', (event) => worldEvents.push(event));
});
afterAll(async () => {
  await stop();
});

/** The server's side of a plain ESMTP session, up to and including the greeting and EHLO. */
async function greet(conversation: string, extensions: string[] = ['8BITMIME']): Promise<void> {
  seat.answer(conversation, '220 mx.you.test ESMTP typed by a learner');
  const ehlo = extensions.map((e, i) => `250${i === extensions.length - 1 ? ' ' : '-'}${e}`);
  await seat.on(conversation, /^EHLO /, '250-mx.you.test greets you', ...ehlo);

}

const taken: string[] = [];
async function nextSeatConversation(origin: 'seat' | 'relay'): Promise<string> {
  const id = await seat.conversation(origin, taken);
  taken.push(id);
  return id;
}

describe('Be the server with nodemailer as the client', () => {
  it('takes a whole delivery typed reply by reply, and nodemailer reports the typed 250', async () => {
    const info = await lab.seat.open();
    expect(info).toMatchObject({ host: '127.0.0.1', domain: 'you.test', mxHost: 'mx.you.test' });
    expect(info.port).toBeGreaterThan(0);
    const run = await lab.seat.start('nodemailer', 'note');
    const c = await nextSeatConversation('seat');
    // Nothing is said for the learner: no reply reaches the client until one is typed.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(seat.lines(c, 'server')).toEqual([]);
    await greet(c);
    await seat.on(c, /^MAIL FROM:<learner@lab\.test>/, '250 2.1.0 sender OK');
    await seat.on(c, /^RCPT TO:<bob@you\.test>/, '250 2.1.5 recipient OK');
    await seat.on(c, /^DATA$/, '354 go ahead, end with a dot');
    await seat.expect(c, /^Subject: Hello, server$/);
    // nodemailer writes QUIT and hangs up at once, without waiting for the 221.
    await seat.on(c, /^\.$/, '250 2.0.0 queued as YOU1');

    const report = await seat.report(run);
    expect(report).toMatchObject({ client: 'nodemailer', accepted: ['bob@you.test'], rejected: [], error: null });
    expect(report.response).toBe('250 2.0.0 queued as YOU1');
    // The session tracker read it like any other conversation: a whole transaction, then closed.
    await eventually(() => lab.getConversation(c)?.endedAt);
    expect(lab.getConversation(c)).toMatchObject({ origin: 'seat', state: 'closed' });
  });

  it('refuses one recipient and accepts the other, and nodemailer reports both', async () => {
    const run = await lab.seat.start('nodemailer', 'two');
    const c = await nextSeatConversation('seat');
    await greet(c);
    await seat.on(c, /^MAIL FROM:/, '250 OK');
    await seat.on(c, /^RCPT TO:<bob@you\.test>/, '250 2.1.5 OK');
    await seat.on(c, /^RCPT TO:<carol@you\.test>/, '550 5.1.1 carol has no mailbox here');
    await seat.on(c, /^DATA$/, '354 go ahead');
    await seat.on(c, /^\.$/, '250 2.0.0 queued for bob');
    const report = await seat.report(run);
    expect(report.accepted).toEqual(['bob@you.test']);
    expect(report.rejected).toEqual(['carol@you.test']);
  });

  it('goes on inside TLS after the learner answers 220 to STARTTLS, with AUTH shown decoded for the lab account', async () => {
    const run = await lab.seat.start('nodemailer', 'login');
    const c = await nextSeatConversation('seat');
    await greet(c, ['STARTTLS']);
    await seat.on(c, /^STARTTLS$/, '220 2.0.0 ready to start TLS');
    await eventually(() => seat.events.find((e) => e.conversation === c && e.info === 'tls'));
    const ehlo = await seat.on(c, /^EHLO /, '250-mx.you.test', '250 AUTH PLAIN');
    expect(ehlo.tls).toBe(true);
    const auth = await seat.on(c, /^AUTH PLAIN/, '235 2.7.0 welcome, learner');
    // The lab account may be shown decoded: the record keeps it, and nothing was redacted.
    expect(auth.redacted).toBeUndefined();
    expect(Buffer.from(auth.text.split(' ')[2] ?? '', 'base64').toString()).toBe('\0learner\0learner');
    await seat.on(c, /^MAIL FROM:/, '250 OK');
    await seat.on(c, /^RCPT TO:/, '250 OK');
    await seat.on(c, /^DATA$/, '354 go ahead');
    await seat.on(c, /^\.$/, '250 2.0.0 taken inside TLS');
    const report = await seat.report(run);
    expect(report).toMatchObject({ accepted: ['bob@you.test'], response: '250 2.0.0 taken inside TLS', error: null });
    expect(seat.lines(c, 'server').filter((e) => e.text.startsWith('250 2.0.0 taken')).every((e) => e.tls)).toBe(true);
  });
});

describe('Be the server with the lab relay as the client', () => {
  it('delivers one recipient, retries the one answered 4xx on the lab clock, and delivers it when accepted', async () => {
    await lab.seat.start('relay', 'two');
    const first = await nextSeatConversation('relay');
    expect(lab.getConversation(first)).toMatchObject({ origin: 'relay', peer: 'smtp.lab.test → mx.you.test' });
    await greet(first);
    await seat.on(first, /^MAIL FROM:<learner@lab\.test>/, '250 OK');
    await seat.on(first, /^RCPT TO:<bob@you\.test>/, '250 OK');
    await seat.on(first, /^RCPT TO:<carol@you\.test>/, '450 4.2.1 carol is busy, try later');
    await seat.on(first, /^DATA$/, '354 go ahead');
    await seat.on(first, /^\.$/, '250 2.0.0 queued for bob');
    await seat.on(first, /^QUIT$/, '221 bye');

    const outcome = (who: string, what: string) =>
      eventually(() => worldEvents.find((e): e is Extract<WorldEvent, { type: 'recipient' }> => e.type === 'recipient' && e.recipient === who && e.outcome === what));
    await outcome('bob@you.test', 'delivered');
    const deferred = await outcome('carol@you.test', 'deferred');
    expect(deferred.response).toBe('450 4.2.1 carol is busy, try later');
    expect(deferred.retryAt).toBeGreaterThan(clock.now());

    // Nothing happens until the lab clock reaches the retry; then the relay comes back for carol only.
    // The fast-forward runs the retry, which waits on the learner: it resolves once that is answered.
    const advanced = lab.advanceClock((deferred.retryAt ?? 0) - clock.now() + 1_000);
    const retry = await nextSeatConversation('relay');
    await greet(retry);
    await seat.on(retry, /^MAIL FROM:/, '250 OK');
    const rcpt = await seat.on(retry, /^RCPT TO:/, '250 OK');
    expect(rcpt.text).toBe('RCPT TO:<carol@you.test>');
    await seat.on(retry, /^DATA$/, '354 go ahead');
    await seat.on(retry, /^\.$/, '250 2.0.0 queued for carol');
    await seat.on(retry, /^QUIT$/, '221 bye');
    await outcome('carol@you.test', 'delivered');
    await advanced;
  });

  it('opens a closed seat when a client is started; hanging up on the relay leaves its mail queued for a retry', async () => {
    await lab.seat.stop();
    expect(lab.seat.info).toBeNull();
    const before = worldEvents.length;
    await lab.seat.start('relay', 'note');
    expect(lab.seat.info).not.toBeNull();
    const c = await nextSeatConversation('relay');
    lab.seat.hangUp(c);
    await eventually(() => lab.getConversation(c)?.endedAt);
    // No reply decided bob's fate: the relay keeps the mail, in its own words, and will retry.
    const deferred = await eventually(() =>
      worldEvents.slice(before).find((e): e is Extract<WorldEvent, { type: 'recipient' }> => e.type === 'recipient' && e.recipient === 'bob@you.test'),
    );
    expect(deferred.outcome).toBe('deferred');
    expect(deferred.retryAt).not.toBeNull();
  });
});

describe('Be the server, bad input', () => {
  it('refuses a reply that is not SMTP with the reason, sends nothing, then sends a valid one as typed', async () => {
    const run = await lab.seat.start('nodemailer', 'note');
    const c = await nextSeatConversation('seat');
    const refused = (lines: string[]) => {
      try {
        lab.seat.reply(c, lines);
      } catch (error) {
        expect(error).toBeInstanceOf(SeatReplyError);
        return (error as SeatReplyError).message;
      }
      return null;
    };
    expect(refused(['hello there'])).toMatch(/three-digit code/);
    expect(refused(['220-mx.you.test'])).toMatch(/not finished/);
    expect(refused(['220 5.0.0 welcome'])).toMatch(/class 5, but 220 says 2/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seat.lines(c, 'server')).toEqual([]);

    // Valid however unwise: a 554 greeting is sent as typed, and nodemailer gives up on it.
    seat.answer(c, '554 5.3.2 not today');
    const report = await seat.report(run);
    expect(report.error).toMatch(/554 5\.3\.2 not today/);
    expect(seat.lines(c, 'server').map((e) => e.text)).toEqual(['554 5.3.2 not today']);
  });

  it('ends the conversation cleanly when a client hangs up mid-session, and the rest of the lab goes on', async () => {
    const info = await lab.seat.open();
    const socket = net.connect(info.port, info.host);
    await new Promise((resolve) => socket.once('connect', resolve));
    const c = await nextSeatConversation('seat');
    seat.answer(c, '220 mx.you.test ESMTP');
    socket.write('EHLO gone.example\r\n');
    await seat.expect(c, /^EHLO gone\.example$/);
    socket.destroy();
    await eventually(() => lab.getConversation(c)?.endedAt);
    expect(() => lab.seat.reply(c, ['250 too late'])).toThrow(SeatReplyError);

    // The seat takes the next client, and the lab's own server still greets.
    const run = await lab.seat.start('nodemailer', 'note');
    const next = await nextSeatConversation('seat');
    seat.answer(next, '421 4.3.2 closing for the night');
    expect((await seat.report(run)).error).toMatch(/421/);
    const other = await RawClient.connect(lab.smtpAddress.port);
    expect((await other.reply()).code).toBe(220);
    other.close();
  });

  it('queues nothing more for the relay once the relay queue of the lab is full', async () => {
    const small = await startLab({ maxRelayBacklog: 1 });
    try {
      await small.lab.seat.start('relay', 'note');
      await expect(small.lab.seat.start('relay', 'two')).rejects.toThrow(/relay queue is full/);
      expect(small.lab.relayQueue().held).toBe(1);
    } finally {
      await small.stop();
    }
  });

  it('lets the client give up when no reply comes within its timeout (a short one here)', async () => {
    const short = await startLab({ seatTimeoutMs: 300 });
    try {
      const driver = new SeatDriver(short.lab);
      const run = await short.lab.seat.start('nodemailer', 'note');
      const report = await driver.report(run);
      expect(report.error).toMatch(/greeting|timeout/i);
    } finally {
      await short.stop();
    }
  });
});

describe('Be the server over the WebSocket', () => {
  it('answers a malformed seat message and a reply that is not SMTP with an error, and sends nothing', async () => {
    const bridge = await startTestBridge();
    const page = await LabSocket.open(bridge.webUrl);
    try {
      expect((await page.welcome()).seat ?? null).toBeNull();
      page.send({ type: 'seat.open', ref: 'o' });
      const opened = await page.next((m) => m.type === 'seat.opened' && m.ref === 'o');
      expect(opened.type === 'seat.opened' && opened.seat?.port).toBeGreaterThan(0);

      page.send(JSON.stringify({ type: 'seat.reply', ref: 'm1', conversation: 'c1', lines: [] }));
      expect(await page.next((m) => m.type === 'error' && m.ref === 'm1')).toMatchObject({ code: 'bad-message' });
      page.send(JSON.stringify({ type: 'seat.start', ref: 'm2', client: 'sendmail', message: 'note' }));
      expect(await page.next((m) => m.type === 'error' && m.ref === 'm2')).toMatchObject({ code: 'bad-message' });
      page.send({ type: 'seat.reply', ref: 'm3', conversation: 'nobody', lines: ['250 OK'] });
      expect(await page.next((m) => m.type === 'error' && m.ref === 'm3')).toMatchObject({ code: 'unknown-conversation' });

      page.send({ type: 'seat.start', ref: 's', client: 'nodemailer', message: 'note' });
      await page.next((m) => m.type === 'seat.started' && m.ref === 's');
      const started = await page.next((m) => m.type === 'conversation.started' && m.conversation.origin === 'seat');
      const id = started.type === 'conversation.started' ? started.conversation.id : '';
      page.send({ type: 'seat.reply', ref: 'bad', conversation: id, lines: ['250-half a reply'] });
      const refused = await page.next((m) => m.type === 'error' && m.ref === 'bad');
      expect(refused).toMatchObject({ code: 'invalid-reply' });
      expect(refused.type === 'error' && refused.message).toMatch(/not finished/);
      page.send({ type: 'seat.reply', ref: 'good', conversation: id, lines: ['220 mx.you.test ESMTP'] });
      await page.serverLine(id, '220 mx.you.test');
      const server = page.received.filter((m) => m.type === 'wire' && m.event.conversation === id && m.event.dir === 'server');
      expect(server.map((m) => m.type === 'wire' && m.event.text)).toEqual(['220 mx.you.test ESMTP']);
    } finally {
      page.close();
      await bridge.close();
    }
  });
});
