import { describe, expect, it } from 'vitest';
import { dkimKeyRecord, dmarcRefusal, dmarcVerdict, readPolicy } from './mail-auth-policy';

describe('what a lab MX makes of DMARC', () => {
  it('acts only on a failure under a policy other than none', () => {
    expect(dmarcVerdict('pass', 'reject')).toBe('accepted');
    expect(dmarcVerdict('none', null)).toBe('accepted');
    expect(dmarcVerdict('fail', null)).toBe('accepted');
    expect(dmarcVerdict('fail', 'none')).toBe('accepted');
    expect(dmarcVerdict('fail', 'quarantine')).toBe('quarantined');
    expect(dmarcVerdict('fail', 'reject')).toBe('rejected');
  });

  it('refuses with 550 5.7.26 (RFC 7372) naming the domain, and reads only known policies', () => {
    expect(dmarcRefusal('example.test')).toMatchObject({ code: 550, enhanced: '5.7.26' });
    expect(dmarcRefusal('example.test').text).toContain('example.test');
    expect(readPolicy('quarantine')).toBe('quarantine');
    expect(readPolicy('bogus')).toBeNull();
    expect(dkimKeyRecord('lab.test', 'lab', 'ed25519', 'KEY')).toEqual({ name: 'lab._domainkey.lab.test', text: 'v=DKIM1; k=ed25519; p=KEY' });
  });
});
