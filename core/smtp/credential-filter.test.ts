import { describe, expect, it } from 'vitest';
import { CredentialFilter, HIDDEN } from './credential-filter';

const b64 = (text: string) => {
  // core has no Buffer; the test builds base64 by hand through btoa's Latin-1 contract.
  return btoa(text);
};
const lab = [{ user: 'learner', pass: 'learner' }];

describe('CredentialFilter', () => {
  it('shows lab credentials in AUTH PLAIN, hides anyone else\'s', () => {
    const filter = new CredentialFilter(lab);
    const mine = `AUTH PLAIN ${b64('\0learner\0learner')}`;
    expect(filter.filter(mine, 'command')).toEqual({ text: mine, redacted: false });
    const real = filter.filter(`AUTH PLAIN ${b64('\0alice@corp.test\0hunter2')}`, 'command');
    expect(real).toEqual({ text: `AUTH PLAIN ${HIDDEN}`, redacted: true });
    expect(real.text).not.toContain(b64('\0alice@corp.test\0hunter2'));
  });

  it('hides a wrong password for the lab user too: it may be a real one typed by mistake', () => {
    const filter = new CredentialFilter(lab);
    expect(filter.filter(`AUTH PLAIN ${b64('\0learner\0my-bank-pin')}`, 'command').redacted).toBe(true);
  });

  it('follows AUTH PLAIN without an initial response', () => {
    const filter = new CredentialFilter(lab);
    expect(filter.filter('AUTH PLAIN', 'command').redacted).toBe(false);
    expect(filter.filter(b64('\0bob\0secret'), 'auth')).toEqual({ text: HIDDEN, redacted: true });
  });

  it('follows AUTH LOGIN: user name, then password', () => {
    const filter = new CredentialFilter(lab);
    expect(filter.filter('auth login', 'command').redacted).toBe(false);
    expect(filter.filter(b64('learner'), 'auth')).toEqual({ text: b64('learner'), redacted: false });
    expect(filter.filter(b64('learner'), 'auth')).toEqual({ text: b64('learner'), redacted: false });

    expect(filter.filter('AUTH LOGIN', 'command').redacted).toBe(false);
    expect(filter.filter(b64('carol'), 'auth').redacted).toBe(true);
    expect(filter.filter(b64('learner'), 'auth').redacted).toBe(true); // carol's password, whatever it is
  });

  it('hides every other mechanism\'s responses but keeps the cancel', () => {
    const filter = new CredentialFilter(lab);
    expect(filter.filter('AUTH XOAUTH2 dXNlcj1ib2IBYXV0aD1CZWFyZXIgdG9rZW4BAQ==', 'command')).toEqual({
      text: `AUTH XOAUTH2 ${HIDDEN}`,
      redacted: true,
    });
    expect(filter.filter('AUTH CRAM-MD5', 'command').redacted).toBe(false);
    expect(filter.filter('Ym9iIDEyMzQ1Njc4OTA=', 'auth').redacted).toBe(true);
    expect(filter.filter('*', 'auth')).toEqual({ text: '*', redacted: false });
  });

  it('leaves commands and message lines alone', () => {
    const filter = new CredentialFilter(lab);
    expect(filter.filter('MAIL FROM:<a@b.test>', 'command').redacted).toBe(false);
    expect(filter.filter('AUTH PLAIN in the body', 'data')).toEqual({ text: 'AUTH PLAIN in the body', redacted: false });
  });
});
