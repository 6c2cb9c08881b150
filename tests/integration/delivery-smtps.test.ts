import tls from 'node:tls';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../bridge/lab/lab-types';
import { ReplyAssembler, type Reply } from '../../core/smtp/reply';
import { eventually, startLab } from './smtp-client';

let lab: Lab;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ lab, stop } = await startLab());
});
afterAll(() => stop());

/** A TLS client that reads whole replies: enough to speak SMTP by hand on the 465 role. */
async function connectTls(port: number) {
  const socket = tls.connect({ host: '127.0.0.1', port, ca: lab.caPem, servername: 'localhost' });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  const assembler = new ReplyAssembler();
  const replies: Reply[] = [];
  let buffer = '';
  socket.setEncoding('latin1');
  socket.on('data', (text: string) => {
    buffer += text;
    let lf: number;
    while ((lf = buffer.indexOf('\n')) !== -1) {
      const reply = assembler.push(buffer.slice(0, lf).replace(/\r$/, ''));
      buffer = buffer.slice(lf + 1);
      if (reply) replies.push(reply);
    }
  });
  const next = () => eventually(() => replies.shift());
  return {
    socket,
    next,
    async command(line: string) {
      socket.write(`${line}\r\n`);
      return next();
    },
  };
}

describe('the implicit-TLS port for outside clients', () => {
  it('is announced in the lab info', () => {
    expect(lab.info.smtps).toEqual(lab.smtpsAddress);
    expect(lab.smtpsAddress.port).not.toBe(lab.smtpAddress.port);
  });

  it('nodemailer with secure: true and AUTH: accepted, every recorded line inside TLS', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: lab.smtpsAddress.port,
      secure: true,
      tls: { ca: lab.caPem, servername: 'localhost' },
      auth: { user: 'learner', pass: 'learner' },
    });
    const info = await transport.sendMail({ from: 'app@example.test', to: 'friend@lab.test', subject: 'From an app over 465', text: 'Hi' });
    transport.close();
    expect(info.response).toMatch(/^250 .*queued as (\w+)/);
    const message = lab.listMessages().find((m) => m.subject === 'From an app over 465');
    const conversation = await eventually(() => {
      const found = lab.getConversation(message?.conversation ?? '');
      return found?.endedAt ? found : null;
    });
    expect(conversation.origin).toBe('external');
    const lines = conversation.lines.filter((line) => line.dir !== 'info');
    expect(lines[0]?.text).toMatch(/^220 /);
    expect(lines.every((line) => line.tls)).toBe(true);
    expect(conversation.lines.some((line) => line.info === 'record' && line.record?.type === 'application-data')).toBe(true);
  });

  it('AUTH is required to send: MAIL before AUTH gets 530 5.7.0', async () => {
    const client = await connectTls(lab.smtpsAddress.port);
    expect((await client.next()).code).toBe(220);
    const ehlo = await client.command('EHLO outside.example');
    expect(ehlo.lines).toContain('AUTH PLAIN LOGIN');
    expect(ehlo.lines).not.toContain('STARTTLS');
    const mail = await client.command('MAIL FROM:<app@example.test>');
    expect(mail.code).toBe(530);
    expect(mail.lines.join(' ')).toMatch(/^5\.7\.0 /);
    client.socket.destroy();
  });
});
