import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../bridge/lab/lab-types';
import { eventually, RawClient, startLab, textOf } from './smtp-client';

let lab: Lab;
let stop: () => Promise<void>;
const MAX_SIZE = 64 * 1024;
const MAX_RECIPIENTS = 5;

beforeAll(async () => {
  ({ lab, stop } = await startLab({ limits: { maxMessageSize: MAX_SIZE, maxRecipients: MAX_RECIPIENTS } }));
});
afterAll(() => stop());

async function greeted(): Promise<RawClient> {
  const client = await RawClient.connect(lab.smtpAddress.port);
  expect((await client.reply()).code).toBe(220);
  expect((await client.command('EHLO limits.example')).code).toBe(250);
  return client;
}

/** A new client still gets a whole normal session: the lab survived whatever came before. */
async function expectServedNormally(): Promise<void> {
  const client = await greeted();
  expect((await client.command('MAIL FROM:<after@example.test>')).code).toBe(250);
  expect((await client.command('QUIT')).code).toBe(221);
  await client.ended;
}

describe('limits a learner can trip', () => {
  it('advertises the SIZE limit and refuses a larger MAIL SIZE= with 552', async () => {
    const client = await RawClient.connect(lab.smtpAddress.port);
    await client.reply();
    const ehlo = await client.command('EHLO limits.example');
    expect(ehlo.lines).toContain(`SIZE ${MAX_SIZE}`);
    expect(lab.info.maxMessageSize).toBe(MAX_SIZE);
    const refused = await client.command(`MAIL FROM:<big@example.test> SIZE=${MAX_SIZE + 1}`);
    expect(refused.code).toBe(552);
    client.close();
  });

  it('refuses a message that turns out larger than SIZE with 552 5.3.4 and keeps nothing', async () => {
    const before = accepted(lab);
    const client = await greeted();
    await client.command('MAIL FROM:<big@example.test>');
    await client.command('RCPT TO:<x@lab.test>');
    expect((await client.command('DATA')).code).toBe(354);
    const line = `${'y'.repeat(998)}\r\n`;
    client.write(`Subject: too big\r\n\r\n${line.repeat(Math.ceil((MAX_SIZE * 2) / line.length))}.\r\n`);
    const refused = await client.reply();
    expect(refused.code).toBe(552);
    expect(refused.enhanced).toBe('5.3.4');
    expect((await client.command('NOOP')).code).toBe(250);
    client.close();
    expect(accepted(lab)).toBe(before);
  });

  it('answers 452 to one recipient too many', async () => {
    const client = await greeted();
    await client.command('MAIL FROM:<many@example.test>');
    for (let i = 0; i < MAX_RECIPIENTS; i++) expect((await client.command(`RCPT TO:<r${i}@lab.test>`)).code).toBe(250);
    const refused = await client.command('RCPT TO:<one-too-many@lab.test>');
    expect(refused.code).toBe(452);
    client.close();
  });

  it('answers a 100 KB line with a clear reply, records it cut, and serves the next client', async () => {
    const client = await greeted();
    const line = `NOOP ${'z'.repeat(100 * 1024)}`;
    client.write(`${line}\r\n`);
    const reply = await client.reply();
    expect(reply.code).toBe(421);
    expect(textOf(reply)).toMatch(/too long/i);
    await client.ended;
    await expectServedNormally();

    const conversation = await eventually(() =>
      lab.listConversations().map((c) => lab.getConversation(c.id)).find((c) => c?.lines.some((l) => l.text.startsWith('NOOP zzz'))),
    );
    const recorded = conversation.lines.find((l) => l.text.startsWith('NOOP zzz')) as { text: string; cut?: number };
    expect(recorded.text.length).toBe(4096);
    expect(recorded.cut).toBe(line.length - 4096);
  });

  it('answers binary junk with 500s, shows it escaped, and keeps serving', async () => {
    const client = await greeted();
    client.write(Buffer.from([0x00, 0xff, 0x1b, 0x5b, 0x32, 0x4a, 0x0d, 0x0a]));
    expect((await client.reply()).code).toBe(500);
    client.write(Buffer.from([0x80, 0x81, 0x82, 0x0d, 0x0a]));
    expect((await client.reply()).code).toBe(500);
    expect((await client.command('NOOP')).code).toBe(250);
    client.close();
    const line = await eventually(() =>
      lab.listConversations().flatMap((c) => lab.getConversation(c.id)?.lines ?? []).find((l) => l.text.startsWith('\\x00')),
    );
    expect(line.text).toBe('\\x00\\xff\\x1b[2J');
    await expectServedNormally();
  });

  it('keeps nothing when the client vanishes in the middle of DATA, and ends the conversation', async () => {
    const before = accepted(lab);
    const client = await greeted();
    await client.command('MAIL FROM:<gone@example.test>');
    await client.command('RCPT TO:<x@lab.test>');
    await client.command('DATA');
    client.write('Subject: half a message\r\n\r\nand then\r\n');
    await eventually(() =>
      lab.listConversations().flatMap((c) => lab.getConversation(c.id)?.lines ?? []).some((l) => l.text === 'and then'),
    );
    const conversation = lab.listConversations().find((c) => lab.getConversation(c.id)?.lines.some((l) => l.text === 'and then'));
    client.close();
    const ended = await eventually(() => lab.listConversations().find((c) => c.id === conversation?.id && c.endedAt !== null));
    expect(ended.state).toBe('closed');
    expect(accepted(lab)).toBe(before);
    await expectServedNormally();
  });

  it('lets a learner mistype a dozen commands in a row without being thrown out', async () => {
    const client = await greeted();
    for (let i = 0; i < 12; i++) expect((await client.command(`HLEO typo${i}`)).code).toBe(500);
    expect((await client.command('NOOP')).code).toBe(250);
    expect(client.isEnded).toBe(false);
    client.close();
  });

  it('still hangs up on a client that only sends junk, at the raised limit', async () => {
    const client = await greeted();
    const codes: number[] = [];
    for (let i = 0; i < 60 && !client.isEnded; i++) {
      client.write('JUNK\r\n');
      codes.push((await client.reply().catch(() => ({ code: 0 }))).code);
    }
    expect(codes.filter((code) => code === 500).length).toBe(49);
    expect(codes).toContain(421);
    await client.ended;
  });
});

/** Messages the lab's servers accepted; mailbox copies of earlier mail may still arrive meanwhile. */
function accepted(lab: Lab): number {
  return lab.listMessages().filter((message) => !message.mailbox).length;
}
