/**
 * mx.chunks.test, the world host that offers CHUNKING (RFC 3030), over real SMTP: it lists
 * CHUNKING in EHLO, takes a message in counted BDAT chunks with no dot-stuffing, answers every
 * chunk after its octets, refuses a chunk outside a transaction only once it has read it, and keeps
 * DATA and BDAT apart within one transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textOf, RawClient } from './smtp-client';
import { startWorld, type WorldLab } from './world-harness';

let lab: WorldLab;
beforeAll(async () => {
  lab = await startWorld();
});
afterAll(() => lab.close());

async function session(ehlo = 'EHLO smtp.lab.test'): Promise<RawClient> {
  const client = RawClient.over(await lab.world.openHost('mx.chunks.test'));
  expect((await client.reply()).code).toBe(220);
  if (ehlo) await client.command(ehlo);
  return client;
}

const octets = (text: string) => Buffer.byteLength(text);

describe('mx.chunks.test: CHUNKING', () => {
  it('is in the world, and the other hosts do not offer CHUNKING', async () => {
    const host = lab.world.definition.hosts.find((h) => h.name === 'mx.chunks.test');
    expect(host).toMatchObject({ chunking: true, address: '192.0.2.146' });
    expect(lab.world.describe().hosts.map((h) => h.name)).toContain('mx.chunks.test');
    const chunks = await session('');
    expect(textOf(await chunks.command('EHLO smtp.lab.test'))).toMatch(/^CHUNKING$/m);
    chunks.close();
    const plain = RawClient.over(await lab.world.openHost('mx.example.test'));
    await plain.reply();
    expect(textOf(await plain.command('EHLO smtp.lab.test'))).not.toMatch(/CHUNKING/);
    plain.close();
  });

  it('takes a message in two chunks, lines that start with a dot as they are', async () => {
    const client = await session();
    expect((await client.command('MAIL FROM:<learner@lab.test>')).code).toBe(250);
    expect((await client.command('RCPT TO:<ann@chunks.test>')).code).toBe(250);
    const first = 'From: learner@lab.test\r\nSubject: In chunks\r\n\r\n';
    const second = '.a line that starts with a dot\r\n.\r\nthe end\r\n';
    client.write(`BDAT ${octets(first)}\r\n${first}`);
    const one = await client.reply();
    expect([one.code, one.enhanced]).toEqual([250, '2.0.0']);
    client.write(`BDAT ${octets(second)} LAST\r\n${second}`);
    const last = await client.reply();
    expect(last.code).toBe(250);
    expect(textOf(last)).toMatch(/queued as/);
    // The transaction is over: the session takes the next command as a command.
    expect((await client.command('NOOP')).code).toBe(250);
    const [stored] = lab.world.mailbox('ann@chunks.test');
    const body = stored!.raw.toString();
    expect(body.endsWith(`${first}${second}`)).toBe(true);
    client.close();
  });

  it('reads pipelined chunks, and a count too short leaves the rest to be read as commands', async () => {
    const client = await session();
    const message = 'Subject: short count\r\n\r\nHello\r\n';
    client.write(`MAIL FROM:<learner@lab.test>\r\nRCPT TO:<bea@chunks.test>\r\nBDAT ${octets(message) - 7} LAST\r\n${message}`);
    const replies = [await client.reply(), await client.reply(), await client.reply(), await client.reply()];
    expect(replies.map((r) => r.code)).toEqual([250, 250, 250, 500]);
    const stored = lab.world.mailbox('bea@chunks.test')[0]!.raw.toString();
    expect(stored.endsWith('Subject: short count\r\n\r\n')).toBe(true);
    client.close();
  });

  it('waits for every octet a count announces, taking the next command as message data', async () => {
    const client = await session();
    await client.command('MAIL FROM:<learner@lab.test>');
    await client.command('RCPT TO:<cy@chunks.test>');
    const message = 'Subject: long count\r\n\r\nHi\r\n';
    client.write(`BDAT ${octets(message) + 12} LAST\r\n${message}`);
    await expect(client.reply(300)).rejects.toThrow('no reply in time');
    // Two QUITs are read as the 12 octets still owed; the third is a command again.
    client.write('QUIT\r\nQUIT\r\nQUIT\r\n');
    expect((await client.reply()).code).toBe(250);
    expect((await client.reply()).code).toBe(221);
    expect(lab.world.mailbox('cy@chunks.test')[0]!.raw.toString()).toMatch(/Hi\r\nQUIT\r\nQUIT\r\n$/);
    client.close();
  });

  it('reads a refused chunk before refusing it, and refuses DATA after BDAT', async () => {
    const client = await session();
    client.write('BDAT 13\r\nMAIL FROM:<x>');
    const noMail = await client.reply();
    expect([noMail.code, noMail.enhanced]).toEqual([503, '5.5.1']);
    expect((await client.command('NOOP')).code).toBe(250);
    await client.command('MAIL FROM:<learner@lab.test>');
    await client.command('RCPT TO:<dee@chunks.test>');
    client.write('BDAT 5\r\nHello');
    expect((await client.reply()).code).toBe(250);
    expect((await client.command('DATA')).code).toBe(503);
    expect((await client.command('BDAT nine')).code).toBe(501);
    client.close();
  });

  it('answers BDAT before EHLO, or after HELO, as a command and reads no octets', async () => {
    const client = await session('HELO smtp.lab.test');
    expect((await client.command('BDAT 4 LAST')).code).toBe(503);
    expect((await client.command('NOOP')).code).toBe(250);
    client.close();
  });

  it('refuses chunks beyond its size limit with 552 5.3.4 and ends the transaction', async () => {
    const size = lab.world.definition.hosts.find((h) => h.name === 'mx.chunks.test')!.maxMessageSize ?? 10 * 1024 * 1024;
    const client = await session();
    await client.command('MAIL FROM:<learner@lab.test>');
    await client.command('RCPT TO:<eve@chunks.test>');
    client.write(`BDAT ${size + 1}\r\n`);
    client.write(Buffer.alloc(size + 1, 'x'));
    const refused = await client.reply(10_000);
    expect([refused.code, refused.enhanced]).toEqual([552, '5.3.4']);
    expect((await client.command('BDAT 0 LAST')).code).toBe(503);
    client.close();
  });
});
