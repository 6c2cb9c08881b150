/**
 * Every reply the lab world can send is explained for what it is. The walk talks real SMTP to
 * every host of the lab world — each domain it serves, each magic address, each refusal a host
 * makes (relay, unknown user, parameters, SMTPUTF8, 8-bit data, size, DMARC, no TLS) —
 * and explains each reply with the command it answers, as the learner's panel does. None may
 * fall back to the generic words of its digits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainReply, GREETING } from '../../core/smtp/reply-catalog';
import { ReplyAssembler, type Reply } from '../../core/smtp/reply';
import { magicLocalPart, domainsServedBy } from '../../core/world/recipient-policy';
import { MAGIC_LOCAL_PARTS } from '../../core/world/world-definition';
import type { MagicLocalPart } from '../../core/world/world-types';
import { RawClient } from './smtp-client';
import { startWorld, type WorldLab } from './world-harness';

interface Seen {
  host: string;
  command: string;
  reply: Reply;
}

let lab: WorldLab;
const seen: Seen[] = [];

/** One host, walked through everything it can answer. */
async function walk(hostName: string): Promise<void> {
  const host = lab.world.definition.hosts.find((h) => h.name === hostName)!;
  const client = RawClient.over(await lab.world.openHost(host.name));
  const record = (command: string, reply: Reply) => {
    seen.push({ host: host.name, command, reply });
    return reply;
  };
  const say = async (line: string) => record(line, await client.command(line));
  const content = async (text: string) => {
    client.write(Buffer.from(`${text}\r\n.\r\n`));
    return record('.', await client.reply());
  };
  const upgrade = async () => {
    await say('STARTTLS');
    await client.startTls(lab.certificates.caPem);
    await say(`EHLO ${name}`);
  };

  record(GREETING, await client.reply());
  // A strict host takes only the PTR name of the address the walk dials from (the relay's).
  const name = host.strictHelo ? lab.world.definition.relay.name : 'walker.test';
  if (host.strictHelo) for (const refused of ['EHLO localhost', 'EHLO walker.test', 'HELO localhost']) await say(refused);
  await say(`EHLO ${name}`);
  for (const line of ['HELP', 'NOOP', 'VRFY alice', 'EXPN staff', 'AUTH PLAIN AGxlYXJuZXIAbGVhcm5lcg==', 'MAIL FROM:<walker@lab.test> FROBNICATE=1']) await say(line);
  const first = await say('MAIL FROM:<walker@lab.test>');
  if (first.code === 250) await say('RSET');
  // A host behind a stripping box is dialled through the box, which answers STARTTLS itself.
  if (host.starttls !== 'none' && !host.onPath) await upgrade();
  else await say('STARTTLS');
  await say('MAIL FROM:<jürgen@lab.test>');
  if (host.maxMessageSize) await say(`MAIL FROM:<walker@lab.test> SIZE=${host.maxMessageSize + 1}`);
  await say('MAIL FROM:<walker@lab.test>');
  await say('RCPT TO:<someone@elsewhere.test>');
  const served = domainsServedBy(lab.world.definition, host);
  let accepted: string | null = null;
  for (const domain of served) {
    await say(`RCPT TO:<jörg@${domain.name}>`);
    await say(`RCPT TO:<someone@${domain.name}> XTRA=1`);
    const locals = domain.users === 'any' ? ['anyone'] : [...domain.users, 'nobody'];
    if (domain.magicLocalParts) locals.push(...(Object.keys(MAGIC_LOCAL_PARTS) as MagicLocalPart[]));
    for (const local of locals) {
      const reply = await say(`RCPT TO:<${local}@${domain.name}>`);
      if (reply.code === 250 && !magicLocalPart(local)) accepted ??= `${local}@${domain.name}`;
    }
  }
  // Undeclared 8-bit data, for every recipient taken so far.
  if ((await say('DATA')).code === 354) await content('Subject: walk\r\n\r\nGrüße aus dem Labor');
  // A greylisting host accepts its pair once the lab clock has moved on.
  if (!accepted && served.some((d) => d.greylistAll)) {
    await say('RSET');
    await lab.world.clock.fastForward(10 * 60_000);
    await say('MAIL FROM:<walker@lab.test>');
    accepted = (await say(`RCPT TO:<anyone@${served[0]!.name}>`)).code === 250 ? `anyone@${served[0]!.name}` : null;
    await say('RSET');
  }
  if (accepted) {
    await say('MAIL FROM:<walker@lab.test>');
    await say(`RCPT TO:<${accepted}>`);
    await say('DATA');
    // Over the host's SIZE where it has one of its own, so its 552 at the final dot is met too.
    const line = `${'x'.repeat(76)}\r\n`;
    const body = host.maxMessageSize ? line.repeat(Math.ceil(host.maxMessageSize / line.length) + 1) : 'A walk through the lab.';
    await content(`From: walker@lab.test\r\nSubject: walk\r\n\r\n${body}`);
    if (host.maxMessageSize) {
      await say('MAIL FROM:<walker@lab.test>');
      await say(`RCPT TO:<${accepted}>`);
      await say('DATA');
      await content('From: walker@lab.test\r\nSubject: small\r\n\r\nShort.');
    }
  }
  if (accepted && host.chunking) {
    // A BDAT's octets follow its line, even when the chunk is refused (RFC 3030 §2).
    const chunk = async (octets: string, last = '') => {
      client.write(`BDAT ${octets.length}${last}\r\n${octets}`);
      return record(`BDAT ${octets.length}${last}`, await client.reply());
    };
    await chunk('None', ' LAST');
    for (const line of ['MAIL FROM:<walker@lab.test>', `RCPT TO:<${accepted}>`]) await say(line);
    await chunk('Subject: walk in chunks\r\n\r\n');
    await say('DATA');
    await chunk('Done.', ' LAST');
  }
  if (served.some((d) => d.name === 'example.test')) {
    // Mail in example.test's name that example.test did not send: its DMARC p=reject refuses it.
    await say('MAIL FROM:<ceo@example.test>');
    await say('RCPT TO:<alice@example.test>');
    await say('DATA');
    await content('From: ceo@example.test\r\nTo: alice@example.test\r\nSubject: pay this\r\n\r\nUrgent.');
  }
  await say('QUIT');
  client.close();
}

beforeAll(async () => {
  lab = await startWorld({ slowReplyMs: 5 });
  for (const host of lab.world.definition.hosts) if (host.up) await walk(host.name);
  // The relay's own reply for a null MX, as the journey shows it: 556 5.1.10 for that recipient.
  const queueId = await lab.submit({ to: ['gina@nullmx.test'] });
  for (const event of lab.eventsOf('recipient', queueId)) {
    const reply = new ReplyAssembler().push(event.response);
    if (reply) seen.push({ host: 'smtp.lab.test', command: `RCPT TO:<${event.recipient}>`, reply });
  }
}, 120_000);
afterAll(() => lab.close());

const verbOf = (command: string) => (command === GREETING || command === '.' ? command : command.split(/[\s:]/)[0]!.toUpperCase());
const where = ({ host, command, reply }: Seen) => `${host}: ${command} → ${reply.code} ${reply.lines.join(' / ')}`;

describe('every reply of the lab world, explained', () => {
  it('walked every host that is up, and met the replies the lessons teach', () => {
    const hosts = new Set(seen.map((s) => s.host));
    for (const host of lab.world.definition.hosts) expect(hosts.has(host.name)).toBe(host.up);
    const pairs = new Set(seen.map((s) => `${verbOf(s.command)} ${s.reply.code} ${s.reply.enhanced ?? ''}`.trim()));
    for (const expected of ['RCPT 451 4.7.1', 'RCPT 452 4.2.2', 'RCPT 451 4.3.0', 'RCPT 554 5.7.1', 'RCPT 550 5.1.1', 'RCPT 556 5.1.10', 'STARTTLS 502 5.5.1', 'MAIL 555 5.5.4', 'RCPT 555 5.5.4', 'MAIL 553 5.6.7', 'RCPT 553 5.6.7', 'MAIL 552 5.3.4', '. 552 5.3.4', '. 554 5.6.1', '. 550 5.7.26', 'EXPN 502 5.5.1', 'AUTH 502 5.5.1', 'EHLO 504 5.5.2', 'EHLO 550 5.7.1', 'BDAT 250 2.0.0', 'BDAT 503 5.5.1']) {
      expect(pairs, expected).toContain(expected);
    }
  });

  it('explains each one for its code, its enhanced code and the command it answers', () => {
    for (const s of seen) {
      const explained = explainReply(s.reply, s.command === GREETING ? undefined : s.command);
      expect(explained.title, where(s)).not.toMatch(/^Unlisted/);
      expect(explained.inContext, where(s)).not.toBeNull();
      if (s.reply.enhanced) expect(explained.enhanced?.detail, where(s)).not.toBeNull();
    }
  });

  it('gives different refusals of the same command different words', () => {
    const byVerb = new Map<string, Map<string, string>>();
    for (const s of seen.filter((x) => x.reply.code >= 400)) {
      const key = `${s.reply.code} ${s.reply.enhanced ?? ''}`;
      const words = explainReply(s.reply, s.command).inContext ?? '';
      const texts = byVerb.get(verbOf(s.command)) ?? new Map<string, string>();
      texts.set(key, words);
      byVerb.set(verbOf(s.command), texts);
    }
    for (const [verb, texts] of byVerb) {
      const distinct = new Set(texts.values());
      expect(distinct.size, `${verb}: ${[...texts.keys()].join(', ')}`).toBe(texts.size);
    }
  });

  it('reads the rows the issue names the way they are meant', () => {
    const context = (verb: string, code: number, enhanced: string) => {
      const found = seen.find((s) => verbOf(s.command) === verb && s.reply.code === code && s.reply.enhanced === enhanced);
      return found ? explainReply(found.reply, found.command).inContext : null;
    };
    expect(context('RCPT', 451, '4.7.1')).toMatch(/Greylisting/);
    expect(context('RCPT', 452, '4.2.2')).toMatch(/mailbox is full/);
    expect(context('RCPT', 554, '5.7.1')).toMatch(/Relaying denied/);
    expect(context('.', 550, '5.7.26')).toMatch(/whole message was refused, for every recipient/);
    expect(context('RCPT', 556, '5.1.10')).toMatch(/null MX/);
  });
});
