import { describe, it, expect } from 'vitest';
import { REPLY_CODES, explainReply } from './reply-catalog';
import { explainEnhanced } from './enhanced-codes';
import { ReplyAssembler, type Reply } from './reply';

const RFC5321_CODES = [211, 214, 220, 221, 250, 251, 252, 354, 421, 450, 451, 452, 455, 500, 501, 502, 503, 504, 550, 551, 552, 553, 554, 555];
const AUTH_CODES = [235, 334, 432, 454, 530, 534, 535, 538];
/** RFC 7504: a host (521) or a domain (556) that takes no mail. */
const NO_MAIL_CODES = [521, 556];

/** Feed server lines through the real assembler, as the lab does. */
function reply(...lines: string[]): Reply {
  const assembler = new ReplyAssembler();
  let result: Reply | null = null;
  for (const line of lines) result = assembler.push(line);
  if (!result) throw new Error('reply not complete');
  return result;
}

describe('REPLY_CODES', () => {
  it.each([...RFC5321_CODES, ...AUTH_CODES, ...NO_MAIL_CODES])('explains %i', (code) => {
    const info = REPLY_CODES[code];
    expect(info?.title).toBeTruthy();
    expect(info?.meaning).toBeTruthy();
    expect(info?.nextStep).toBeTruthy();
    expect(info?.rfc).toMatch(/^RFC \d+/);
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

describe('replies read with the command they answer and their enhanced code', () => {
  const rcpt = 'RCPT TO:<someone@example.test>';

  it('451 4.7.1 at RCPT is greylisting: try again later, the queue retries', () => {
    const explained = explainReply(reply('451 4.7.1 Greylisted: please try again later'), rcpt);
    expect(explained.inContext).toMatch(/Greylisting/);
    expect(explained.inContext).toMatch(/tries again later/);
    expect(explained.inContext).not.toMatch(/refused|local error/i);
    expect(explained.meaning).not.toMatch(/error of its own while/);
    expect(explained.enhanced?.detail).toMatch(/for now/);
    expect(explained.enhanced?.detail).not.toMatch(/message refused/);
  });

  it('452 4.2.2 is a full mailbox; only 452 4.5.3 is too many recipients', () => {
    const full = explainReply(reply('452 4.2.2 Mailbox full, try again later'), rcpt);
    expect(full.inContext).toMatch(/mailbox is full/);
    expect(full.inContext).not.toMatch(/Too many recipients/);
    expect(full.enhanced?.detail).toMatch(/Mailbox full for now/);
    const many = explainReply(reply('452 4.5.3 Error: too many recipients'), rcpt);
    expect(many.inContext).toMatch(/Too many recipients/);
    expect(explainReply(reply('452 Error: too many recipients'), rcpt).inContext).toMatch(/Too many recipients/);
  });

  it('530 5.7.0 "Must issue a STARTTLS command first" asks for TLS, not a login', () => {
    for (const command of ['MAIL FROM:<learner@lab.test>', rcpt, 'AUTH PLAIN AGxlYXJuZXIAbGVhcm5lcg==']) {
      const explained = explainReply(reply('530 5.7.0 Must issue a STARTTLS command first'), command);
      expect(explained.inContext).toMatch(/STARTTLS/);
      expect(explained.inContext).not.toMatch(/log in with AUTH/);
    }
    expect(explainReply(reply('530 5.7.0 Authentication required'), 'MAIL FROM:<learner@lab.test>').inContext).toMatch(/log in with AUTH/);
  });

  it('a 5xx after the final dot refuses the whole message for every recipient', () => {
    for (const line of ['550 5.7.1 Rejected by the DMARC policy of example.test', '552 5.3.4 Message too big for this system', '554 5.6.1 8-bit data']) {
      const explained = explainReply(reply(line), '.');
      expect(explained.inContext).toMatch(/whole message was refused, for every recipient/);
      expect(`${explained.inContext} ${explained.nextStep}`).not.toMatch(/not affected/);
    }
  });

  it('554 5.7.1 at RCPT is a relay refusal for that recipient', () => {
    const explained = explainReply(reply('554 5.7.1 Relay access denied: this host takes mail for its own domains only'), rcpt);
    expect(explained.inContext).toMatch(/Relaying denied/);
    expect(explained.inContext).not.toMatch(/greeting|DATA/);
  });

  it('explains 556 5.1.10 (null MX), 521 as a greeting, 555 5.5.4 and 502 to EXPN', () => {
    expect(explainReply(reply('556 5.1.10 Recipient domain publishes a null MX and accepts no mail'), rcpt).inContext).toMatch(/null MX/);
    expect(explainReply(reply('521 5.3.2 mx.example.test does not accept mail')).inContext).toMatch(/never accepts mail/);
    expect(explainReply(reply('555 5.5.4 Unsupported parameter'), 'MAIL FROM:<a@lab.test> FOO=1').inContext).toMatch(/parameter/);
    expect(explainReply(reply('502 5.5.1 EXPN is not offered'), 'EXPN staff').inContext).toMatch(/mailing list/);
  });
});

describe('explainEnhanced', () => {
  it('reads a 4.x.x and a 5.x.x of the same subject differently', () => {
    for (const code of ['7.1', '2.2', '3.1', '7.0']) {
      const transient = explainEnhanced(`4.${code}`)?.detail;
      const permanent = explainEnhanced(`5.${code}`)?.detail;
      expect(transient).toBeTruthy();
      expect(permanent).toBeTruthy();
      expect(transient).not.toBe(permanent);
    }
  });

  it('knows every security code of the registry from 5.7.15 to 5.7.30', () => {
    for (let detail = 15; detail <= 30; detail++) expect(explainEnhanced(`5.7.${detail}`)?.detail, `5.7.${detail}`).toBeTruthy();
    expect(explainEnhanced('5.7.26')).toMatchObject({ detail: expect.stringMatching(/Multiple authentication checks failed.*DMARC/), rfc: 'RFC 7372' });
    expect(explainEnhanced('5.7.29')?.rfc).toBe('RFC 8617');
  });

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
