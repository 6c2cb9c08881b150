import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../bridge/lab/lab-types';
import { eventually, RawClient, startLab, textOf } from './smtp-client';

let lab: Lab;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ lab, stop } = await startLab());
});
afterAll(() => stop());

function plain(user: string, pass: string): string {
  return Buffer.from(`\0${user}\0${pass}`).toString('base64');
}

async function endedConversation(id: string) {
  return eventually(() => {
    const found = lab.getConversation(id);
    return found?.endedAt ? found : null;
  });
}

describe('STARTTLS through the tap', () => {
  it('nodemailer with requireTLS and AUTH: the lines inside TLS are still recorded, and marked', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: lab.smtpAddress.port,
      secure: false,
      requireTLS: true,
      tls: { ca: lab.caPem, servername: 'localhost' },
      auth: { user: 'learner', pass: 'learner' },
    });
    const info = await transport.sendMail({
      from: 'learner@lab.test',
      to: 'friend@lab.test',
      subject: 'Through TLS',
      text: 'Encrypted on the wire, readable in the lab.',
    });
    transport.close();
    expect(info.response).toMatch(/^250 2\.\d\.\d Ok: queued as \w+/);
    const id = /queued as (\w+)/.exec(info.response)?.[1];
    const message = lab.listMessages().find((m) => m.id === id);
    expect(message?.subject).toBe('Through TLS');

    const conversation = await endedConversation(message!.conversation);
    const starttls = conversation.lines.findIndex((line) => line.dir === 'client' && line.text === 'STARTTLS');
    const tlsInfo = conversation.lines.findIndex((line) => line.info === 'tls');
    expect(starttls).toBeGreaterThan(0);
    expect(conversation.lines[starttls + 1]).toMatchObject({ dir: 'server', tls: false });
    expect(conversation.lines[starttls + 1]?.text).toMatch(/^220 /);
    expect(tlsInfo).toBeGreaterThan(starttls);
    expect(conversation.lines[tlsInfo]?.text).toMatch(/TLS established \(TLSv1\.3, /);
    const after = conversation.lines.slice(tlsInfo + 1).filter((line) => line.dir !== 'info');
    expect(after.length).toBeGreaterThan(5);
    expect(after.every((line) => line.tls)).toBe(true);
    const auth = after.findIndex((line) => line.dir === 'client' && line.text.startsWith('AUTH PLAIN'));
    expect(auth).toBeGreaterThanOrEqual(0);
    expect(after.slice(auth + 1).find((line) => line.dir === 'server')?.text).toMatch(/^235 /);
    expect(after.some((line) => line.dir === 'client' && line.text === 'Subject: Through TLS')).toBe(true);
  });

  it('a raw client upgrades by hand, sees AUTH only inside TLS, and gets pipelined replies in order', async () => {
    const client = await RawClient.connect(lab.smtpAddress.port);
    expect((await client.reply()).code).toBe(220);
    const before = await client.command('EHLO swaks.example');
    expect(textOf(before)).not.toMatch(/AUTH/);
    expect((await client.command('STARTTLS')).code).toBe(220);
    const secure = await client.startTls(lab.caPem);
    expect(secure.authorized).toBe(true);

    const after = await client.command('EHLO swaks.example');
    expect(after.lines).toContain('AUTH PLAIN LOGIN');
    expect(after.lines).not.toContain('STARTTLS');
    expect((await client.command(`AUTH PLAIN ${plain('learner', 'learner')}`)).code).toBe(235);

    // Several commands in one write, as PIPELINING allows; the replies come back in the same order.
    // A refused recipient in the middle shows the order is kept.
    client.write('MAIL FROM:<a@example.test>\r\nRCPT TO:<b@lab.test>\r\nRCPT TO:<no address>\r\nRCPT TO:<c@lab.test>\r\nDATA\r\n');
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(await client.reply());
    expect(replies.map((reply) => reply.code)).toEqual([250, 250, 501, 250, 354]);
    expect(replies.map((reply) => reply.enhanced)).toEqual(['2.1.0', '2.1.5', expect.stringMatching(/^5\./), '2.1.5', null]);
    client.write('Subject: pipelined\r\n\r\nbody\r\n.\r\nQUIT\r\n');
    expect((await client.reply()).code).toBe(250);
    expect((await client.reply()).code).toBe(221);
    await client.ended;

    const message = lab.listMessages().find((m) => m.subject === 'pipelined');
    expect(message?.envelopeTo).toEqual(['b@lab.test', 'c@lab.test']);
    const conversation = await endedConversation(message!.conversation);
    const secureLines = conversation.lines.filter((line) => line.tls && line.dir === 'client').map((line) => line.text);
    expect(secureLines).toEqual([
      'EHLO swaks.example',
      `AUTH PLAIN ${plain('learner', 'learner')}`,
      'MAIL FROM:<a@example.test>',
      'RCPT TO:<b@lab.test>',
      'RCPT TO:<no address>',
      'RCPT TO:<c@lab.test>',
      'DATA',
      'Subject: pipelined',
      '',
      'body',
      '.',
      'QUIT',
    ]);
  });

  it('a wrong password gets 535 and the session goes on', async () => {
    const client = await RawClient.connect(lab.smtpAddress.port);
    await client.reply();
    await client.command('EHLO wrong.example');
    // Before TLS the lab does not offer AUTH at all.
    expect((await client.command(`AUTH PLAIN ${plain('learner', 'learner')}`)).code).toBeGreaterThanOrEqual(500);
    await client.command('STARTTLS');
    await client.startTls(lab.caPem);
    await client.command('EHLO wrong.example');
    const refused = await client.command(`AUTH PLAIN ${plain('learner', 'guess')}`);
    expect(refused.code).toBe(535);
    expect(refused.enhanced).toBe('5.7.8');
    expect((await client.command('NOOP')).code).toBe(250);
    client.close();
  });
});

describe('a client that does not trust the lab CA', () => {
  it('fails its handshake; the conversation records the error and ends, and the lab keeps serving', async () => {
    const client = await RawClient.connect(lab.smtpAddress.port);
    await client.reply();
    await client.command('EHLO untrusting.example');
    expect((await client.command('STARTTLS')).code).toBe(220);
    await expect(client.startTls('')).rejects.toThrow(/certificate/i);
    client.close();
    const conversation = await eventually(() =>
      lab.listConversations().map((c) => lab.getConversation(c.id)).find((c) => c?.lines.some((l) => l.text === 'EHLO untrusting.example') && c.endedAt),
    );
    expect(conversation.lines.find((l) => l.info === 'error')?.text).toMatch(/trust the lab CA/);
    expect(conversation.lines.at(-1)?.info).toBe('closed');

    const next = await RawClient.connect(lab.smtpAddress.port);
    expect((await next.reply()).code).toBe(220);
    expect((await next.command('STARTTLS')).code).toBe(220);
    expect((await next.startTls(lab.caPem)).authorized).toBe(true);
    expect((await next.command('EHLO trusting.example')).code).toBe(250);
    next.close();
  });
});
