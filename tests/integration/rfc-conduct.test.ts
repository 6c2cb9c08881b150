/**
 * The lab's own server where RFC 5321 and its extensions say more than smtp-server does: AUTH
 * before STARTTLS, EXPN, unknown parameters, SMTPUTF8 and 8BITMIME — each reply explained for
 * the command it answers, as the learner reads it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../bridge/lab/lab-types';
import { explainReply } from '../../core/smtp/reply-catalog';
import type { Reply } from '../../core/smtp/reply';
import { RawClient, startLab, textOf } from './smtp-client';

let lab: Lab;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ lab, stop } = await startLab());
});
afterAll(() => stop());

async function session(): Promise<RawClient> {
  const client = await RawClient.connect(lab.smtpAddress.port);
  await client.reply();
  await client.command('EHLO learner.test');
  return client;
}

const line = (reply: Reply) => `${reply.code} ${textOf(reply)}`;

describe('the lab server follows the RFCs the lessons quote', () => {
  it('AUTH before STARTTLS gets 530 5.7.0, read as "start TLS first", and the session goes on', async () => {
    const client = await session();
    const command = 'AUTH PLAIN AGxlYXJuZXIAbGVhcm5lcg==';
    const reply = await client.command(command);
    expect(line(reply)).toBe('530 5.7.0 Must issue a STARTTLS command first');
    expect(explainReply(reply, command).inContext).toMatch(/send STARTTLS/);
    expect((await client.command('NOOP')).code).toBe(250);
    client.close();
  });

  it('EXPN gets 502 5.5.1, explained as a command this server does not offer', async () => {
    const client = await session();
    const reply = await client.command('EXPN staff');
    expect(reply.code).toBe(502);
    expect(reply.enhanced).toBe('5.5.1');
    expect(explainReply(reply, 'EXPN staff').inContext).toMatch(/mailing list/);
    client.close();
  });

  it('an unknown MAIL or RCPT parameter gets 555 5.5.4, and so does a DSN parameter where DSN is not advertised', async () => {
    const client = await session();
    const mail = await client.command('MAIL FROM:<learner@lab.test> FROBNICATE=yes');
    expect(line(mail)).toBe('555 5.5.4 FROBNICATE parameter not recognized');
    expect(explainReply(mail, 'MAIL FROM:<learner@lab.test> FROBNICATE=yes').inContext).toMatch(/parameter/);
    expect((await client.command('MAIL FROM:<learner@lab.test> RET=HDRS')).code).toBe(555);
    expect((await client.command('MAIL FROM:<learner@lab.test> BODY=8BITMIME SIZE=100')).code).toBe(250);
    expect(line(await client.command('RCPT TO:<alice@example.test> NOTIFY=SUCCESS'))).toBe('555 5.5.4 NOTIFY parameter not recognized');
    expect((await client.command('RCPT TO:<alice@example.test>')).code).toBe(250);
    client.close();
  });

  it('a non-ASCII address needs SMTPUTF8: 553 5.6.7 without it, 250 with it', async () => {
    const client = await session();
    const refused = await client.command('MAIL FROM:<jürgen@lab.test>');
    expect(line(refused)).toMatch(/^553 5\.6\.7 /);
    expect(explainReply(refused, 'MAIL FROM:<jürgen@lab.test>').inContext).toMatch(/SMTPUTF8/);
    expect((await client.command('MAIL FROM:<jürgen@lab.test> SMTPUTF8')).code).toBe(250);
    client.close();
  });

  it('8-bit data needs BODY=8BITMIME: refused with 554 5.6.1 without it, for the whole message', async () => {
    const send = async (mailFrom: string) => {
      const client = await session();
      await client.command(mailFrom);
      await client.command('RCPT TO:<bob@lab.test>');
      await client.command('DATA');
      client.write(Buffer.from('Subject: 8-bit\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGrüße aus dem Labor!\r\n.\r\n'));
      const reply = await client.reply();
      client.close();
      return reply;
    };
    const refused = await send('MAIL FROM:<learner@lab.test>');
    expect(line(refused)).toMatch(/^554 5\.6\.1 /);
    expect(explainReply(refused, '.').inContext).toMatch(/whole message was refused.*BODY=8BITMIME/);
    expect((await send('MAIL FROM:<learner@lab.test> BODY=8BITMIME')).code).toBe(250);
  });
});
