import { describe, expect, it } from 'vitest';
import { checkReply } from './reply-check';

const reasonOf = (lines: string[]) => {
  const check = checkReply(lines);
  return check.ok ? null : check.reason;
};

describe('checkReply', () => {
  it('sends a valid reply as typed, however unwise', () => {
    expect(checkReply(['250 OK'])).toEqual({ ok: true, lines: ['250 OK'] });
    expect(checkReply(['354'])).toEqual({ ok: true, lines: ['354'] });
    expect(checkReply(['550 5.1.1 no such user'])).toEqual({ ok: true, lines: ['550 5.1.1 no such user'] });
    // Accepting mail for nobody is unwise, and still valid SMTP.
    expect(checkReply(['250 2.1.5 sure, anyone'])).toMatchObject({ ok: true });
  });

  it('takes a whole multi-line reply, and several replies at once (a pipelined batch)', () => {
    expect(checkReply(['250-you.test', '250-PIPELINING', '250 SIZE 1000'])).toMatchObject({ ok: true });
    expect(checkReply(['250 2.1.0 OK', '250 2.1.5 OK', '354 go on'])).toMatchObject({ ok: true });
  });

  it('strips CR and LF so one reply never becomes two', () => {
    expect(checkReply(['250 OK\r\n'])).toEqual({ ok: true, lines: ['250 OK'] });
  });

  it('refuses a line without a three-digit code', () => {
    expect(reasonOf(['OK'])).toMatch(/three-digit code/);
    expect(reasonOf(['25 OK'])).toMatch(/three-digit code/);
    expect(reasonOf([''])).toMatch(/Type a reply/);
    expect(reasonOf([])).toMatch(/Type a reply/);
  });

  it('refuses codes SMTP does not have and a code run into its text', () => {
    expect(reasonOf(['199 fine'])).toMatch(/first digit is 2, 3, 4 or 5/);
    expect(reasonOf(['650 no'])).toMatch(/first digit/);
    expect(reasonOf(['250OK'])).toMatch(/comes a space/);
  });

  it('refuses a broken multi-line reply', () => {
    expect(reasonOf(['250-you.test', '250-SIZE'])).toMatch(/not finished: 250- lines must end with a "250 " line/);
    expect(reasonOf(['250-you.test', '251 OK'])).toMatch(/has 251, but the reply it continues has 250/);
    expect(checkReply(['250-you.test', '251 OK'])).toMatchObject({ line: 2 });
  });

  it('refuses an enhanced code whose class disagrees with the reply code', () => {
    expect(reasonOf(['250 5.1.1 OK'])).toMatch(/5\.1\.1 says class 5, but 250 says 2/);
    expect(reasonOf(['550 2.0.0 gone'])).toMatch(/class 2, but 550 says 5/);
    expect(reasonOf(['250-you.test', '250 4.0.0 OK'])).toMatch(/class 4/);
    expect(reasonOf(['354 2.0.0 go ahead'])).toMatch(/carries no enhanced code/);
    // A version number in the text is not an enhanced code.
    expect(checkReply(['220 you.test ESMTP 2.5.1'])).toMatchObject({ ok: true });
  });

  it('refuses a reply line past 512 octets with its CRLF', () => {
    expect(checkReply([`250 ${'x'.repeat(506)}`])).toMatchObject({ ok: true });
    expect(reasonOf([`250 ${'x'.repeat(507)}`])).toMatch(/at most 512/);
  });
});
