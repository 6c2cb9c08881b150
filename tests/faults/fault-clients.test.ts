/**
 * Outside clients that vanish at the worst moments: in the middle of DATA (plain, after STARTTLS,
 * with a TCP reset) and in the middle of a TLS handshake (after STARTTLS, on the implicit-TLS port).
 * Each time the conversation ends with a line that says what happened, nothing is stored, no
 * socket is left open, and the next client is served.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../bridge/lab/lab-types';
import { eventually, RawClient, startLab } from '../integration/smtp-client';
import { openSockets, watchForCrashes, type CrashWatch } from '../fuzz/guard';
import { clientHello } from '../fuzz/smtp-cases';

let lab: Lab;
let stop: () => Promise<void>;
let crashes: CrashWatch;
let hello: Buffer;
let sockets: number;

beforeAll(async () => {
  crashes = watchForCrashes();
  ({ lab, stop } = await startLab());
  hello = await clientHello();
  sockets = openSockets();
});
afterAll(async () => {
  crashes.stop();
  await stop?.();
});

function accepted(): number {
  return lab.listMessages().filter((message) => !message.mailbox).length;
}

/** The conversation whose lines include `text`, once it has ended. */
async function endedWith(text: string | RegExp) {
  const matches = (line: { text: string }) => (typeof text === 'string' ? line.text === text : text.test(line.text));
  const id = await eventually(() => lab.listConversations().find((c) => lab.getConversation(c.id)?.lines.some(matches))?.id);
  await eventually(() => lab.listConversations().find((c) => c.id === id && c.endedAt !== null), 8_000);
  return lab.getConversation(id)!;
}

/** Nothing held open once every conversation is over; a fresh client is served in full. */
async function cleanAfterwards(): Promise<void> {
  await eventually(() => lab.listConversations().every((c) => c.endedAt !== null), 8_000);
  await eventually(() => openSockets() <= sockets, 5_000);
  const client = await RawClient.connect(lab.smtpAddress.port);
  expect((await client.reply()).code).toBe(220);
  expect((await client.command('EHLO next.example')).code).toBe(250);
  expect((await client.command('QUIT')).code).toBe(221);
  await client.ended;
  expect(crashes.problems).toEqual([]);
}

async function untilData(tls: boolean, tag: string): Promise<RawClient> {
  const client = await RawClient.connect(lab.smtpAddress.port);
  await client.reply();
  await client.command(`EHLO ${tag}.example`);
  if (tls) {
    expect((await client.command('STARTTLS')).code).toBe(220);
    await client.startTls(lab.caPem);
    await client.command(`EHLO ${tag}.example`);
  }
  expect((await client.command(`MAIL FROM:<${tag}@example.test>`)).code).toBe(250);
  expect((await client.command('RCPT TO:<friend@lab.test>')).code).toBe(250);
  expect((await client.command('DATA')).code).toBe(354);
  return client;
}

describe('a client that vanishes mid-DATA', () => {
  it.each([
    { name: 'in plain text', tls: false },
    { name: 'inside STARTTLS', tls: true },
  ])('$name: no message is stored and the conversation ends', async ({ tls }) => {
    const before = accepted();
    const tag = tls ? 'gone-tls' : 'gone-plain';
    const client = await untilData(tls, tag);
    client.write(`Subject: ${tag}\r\n\r\nhalf of the body of ${tag}\r\n`);
    const conversation = await eventually(() =>
      lab.listConversations().find((c) => lab.getConversation(c.id)?.lines.some((l) => l.text === `half of the body of ${tag}`)),
    );
    client.close();
    await eventually(() => lab.listConversations().find((c) => c.id === conversation.id && c.endedAt !== null));
    expect(accepted()).toBe(before);
    expect(lab.listMessages().some((m) => m.subject === tag)).toBe(false);
    await cleanAfterwards();
  });

  it('with a TCP reset: no message is stored and the conversation ends', async () => {
    const before = accepted();
    const socket = net.connect({ host: '127.0.0.1', port: lab.smtpAddress.port });
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    // Pipelined up to half a body; the lab reads it all before the reset comes.
    socket.write('EHLO reset.example\r\nMAIL FROM:<reset@example.test>\r\nRCPT TO:<friend@lab.test>\r\nDATA\r\nSubject: reset\r\n\r\nhalf of it\r\n');
    const conversation = await endedWithLine(socket, 'half of it');
    expect(conversation.endedAt).not.toBeNull();
    expect(accepted()).toBe(before);
    await cleanAfterwards();
  });
});

/** Reset the connection once `line` is recorded, and wait for its conversation to end. */
async function endedWithLine(socket: net.Socket, line: string) {
  await eventually(() => lab.listConversations().some((c) => lab.getConversation(c.id)?.lines.some((l) => l.text === line)));
  socket.resetAndDestroy();
  return endedWith(line);
}

describe('a client that vanishes mid-TLS-handshake', () => {
  it('after STARTTLS: the conversation ends and says the handshake did not finish', async () => {
    const client = await RawClient.connect(lab.smtpAddress.port);
    await client.reply();
    await client.command('EHLO half-hello.example');
    expect((await client.command('STARTTLS')).code).toBe(220);
    client.write(hello.subarray(0, Math.floor(hello.length / 2)));
    await eventually(() => lab.listConversations().some((c) => lab.getConversation(c.id)?.lines.some((l) => /TLS handshake, \d+ bytes/.test(l.text))));
    client.close();
    const conversation = await endedWith('EHLO half-hello.example');
    const info = conversation.lines.filter((l) => l.dir === 'info').map((l) => l.text);
    expect(info).toContain('The TLS handshake did not finish. Does the client trust the lab CA certificate?');
    expect(info.at(-1)).toBe('The client closed the connection');
    await cleanAfterwards();
  });

  it('on the implicit-TLS port: the conversation ends with a clear line', async () => {
    const before = lab.listConversations().length;
    const socket = net.connect({ host: '127.0.0.1', port: lab.smtpsAddress.port });
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(hello.subarray(0, 40));
    await eventually(() => lab.listConversations().length > before);
    socket.destroy();
    const conversation = await eventually(() => {
      const latest = lab.listConversations().at(-1);
      return latest && latest.endedAt !== null ? lab.getConversation(latest.id) : undefined;
    }, 8_000);
    const info = conversation.lines.filter((l) => l.dir === 'info').map((l) => l.text);
    expect(info.some((text) => /TLS handshake did not finish|TLS error/.test(text))).toBe(true);
    expect(info.at(-1)).toMatch(/closed the connection/);
    await cleanAfterwards();
  });
});
