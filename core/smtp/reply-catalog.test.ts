import { describe, it, expect } from 'vitest';
import { REPLY_CODES, explainReply } from './reply-catalog';
import { explainEnhanced } from './enhanced-codes';
import { ReplyAssembler, type Reply } from './reply';

const RFC5321_CODES = [211, 214, 220, 221, 250, 251, 252, 354, 421, 450, 451, 452, 455, 500, 501, 502, 503, 504, 550, 551, 552, 553, 554, 555];
const AUTH_CODES = [235, 334, 454, 530, 534, 535, 538];

/** Feed server lines through the real assembler, as the lab does. */
function reply(...lines: string[]): Reply {
  const assembler = new ReplyAssembler();
  let result: Reply | null = null;
  for (const line of lines) result = assembler.push(line);
  if (!result) throw new Error('reply not complete');
  return result;
}

describe('REPLY_CODES', () => {
  it.each([...RFC5321_CODES, ...AUTH_CODES])('explains %i', (code) => {
    const info = REPLY_CODES[code];
    expect(info?.title).toBeTruthy();
    expect(info?.meaning).toBeTruthy();
    expect(info?.nextStep).toBeTruthy();
    expect(info?.rfc).toMatch(/^RFC \d+ §/);
  });
});

describe('explainReply', () => {
  it('explains the digits of a permanent failure and its enhanced code', () => {
    const explained = explainReply(reply('550 5.1.1 <nobody@example.test>: Recipient address rejected'), 'RCPT TO:<nobody@example.test>');
    expect(explained.category).toBe('permanent-negative');
    expect(explained.firstDigit).toMatch(/^5 = permanent/);
    expect(explained.secondDigit).toMatch(/^x5 = mail system/);
    expect(explained.enhanced?.detail).toMatch(/Bad destination mailbox address/);
    expect(explained.enhanced?.subject).toMatch(/^Addressing/);
    expect(explained.inContext).toMatch(/recipient is refused/);
  });

  it('lists and explains every extension of a multi-line EHLO reply', () => {
    const explained = explainReply(
      reply('250-mail.example.test Nice to meet you', '250-PIPELINING', '250-8BITMIME', '250-SIZE 10485760', '250-AUTH PLAIN LOGIN', '250 STARTTLS'),
      'EHLO client.example.test',
    );
    expect(explained.extensions.map((e) => e.keyword)).toEqual(['PIPELINING', '8BITMIME', 'SIZE', 'AUTH', 'STARTTLS']);
    const size = explained.extensions.find((e) => e.keyword === 'SIZE');
    expect(size?.args).toBe('10485760');
    expect(size?.meaning).toMatch(/10485760 octets \(about 10 MiB\)/);
    expect(explained.extensions.find((e) => e.keyword === 'AUTH')?.meaning).toMatch(/PLAIN, LOGIN/);
    expect(explained.extensions.find((e) => e.keyword === 'PIPELINING')?.rfc).toBe('RFC 2920');
    expect(explained.inContext).toMatch(/5 lines after it/);
  });

  it('lists no extensions for a 250 that answers something else', () => {
    expect(explainReply(reply('250-first', '250 PIPELINING'), 'NOOP').extensions).toEqual([]);
  });

  it('falls back to the digits for a code it does not list', () => {
    const explained = explainReply(reply('299 something new'));
    expect(explained.title).toBe('Unlisted 2xx reply');
    expect(explained.category).toBe('positive-completion');
    expect(explained.meaning).toMatch(/2 = done/);
    expect(explained.secondDigit).toMatch(/does not use/);
  });

  it('calls a line without a code not a reply', () => {
    const explained = explainReply(reply('hello there'));
    expect(explained.category).toBe('not-a-reply');
    expect(explained.code).toBe(0);
  });

  it('decodes the base64 challenge of a 334', () => {
    expect(explainReply(reply('334 VXNlcm5hbWU6'), 'AUTH LOGIN').inContext).toMatch(/"Username:"/);
    expect(explainReply(reply('334 '), 'AUTH PLAIN').inContext).toMatch(/empty challenge/);
  });

  it('says what a reply means after the command it answers', () => {
    expect(explainReply(reply('220 2.0.0 Ready to start TLS'), 'STARTTLS').inContext).toMatch(/TLS handshake now/);
    expect(explainReply(reply('220 mail.example.test ESMTP')).inContext).toMatch(/greeting/);
    expect(explainReply(reply('503 5.5.1 Error: need MAIL command'), 'RCPT TO:<bob@example.test>').inContext).toMatch(/before an accepted MAIL FROM/);
    expect(explainReply(reply('354 End data with <CR><LF>.<CR><LF>'), 'DATA').inContext).toMatch(/dot-stuffing/);
    expect(explainReply(reply('250 2.0.0 Ok: queued as 1234'), '.').inContext).toMatch(/message is accepted/);
    expect(explainReply(reply('501 5.7.0 Authentication aborted'), '*').inContext).toMatch(/cancelled/);
  });

  it('reads 554 as a greeting differently from 554 after DATA', () => {
    expect(explainReply(reply('554 No SMTP service here')).inContext).toMatch(/only QUIT/);
    expect(explainReply(reply('554 5.5.1 Error: no valid recipients'), 'DATA').inContext).toMatch(/at least one accepted recipient/);
  });
});

describe('explainEnhanced', () => {
  it('explains the AUTH-related codes', () => {
    expect(explainEnhanced('5.7.8')?.detail).toMatch(/credentials invalid/);
    expect(explainEnhanced('5.7.11')?.rfc).toBe('RFC 4954 §6');
    expect(explainEnhanced('4.7.0')?.class).toMatch(/^Persistent transient/);
  });

  it('gives class and subject for an unknown detail', () => {
    const explained = explainEnhanced('5.1.99');
    expect(explained?.detail).toBeNull();
    expect(explained?.subject).toMatch(/^Addressing/);
    expect(explained?.rfc).toBe('RFC 3463 §3.2');
  });

  it('returns null for text that is not an enhanced code', () => {
    expect(explainEnhanced('3.1.1')).toBeNull();
    expect(explainEnhanced('OK')).toBeNull();
  });
});
