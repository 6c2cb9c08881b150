import { describe, expect, it } from 'vitest';
import { LabDns } from './lab-dns';
import { enforcedPolicy, mxMatches, parsePolicy, policyText, policyUrl, servedPolicy } from './mta-sts';
import { LAB_WORLD } from './world-definition';

describe('MTA-STS policies (RFC 8461)', () => {
  it('reads back the policy file it serves', () => {
    const policy = { mode: 'enforce' as const, mx: ['mx.tls-required.test', '*.backup.test'], maxAge: 604_800 };
    expect(policyText(policy)).toBe('version: STSv1\r\nmode: enforce\r\nmx: mx.tls-required.test\r\nmx: *.backup.test\r\nmax_age: 604800\r\n');
    expect(parsePolicy(policyText(policy))).toEqual(policy);
    expect(policyUrl('tls-required.test')).toBe('https://mta-sts.tls-required.test/.well-known/mta-sts.txt');
  });

  it('has no policy when the file is not a valid STSv1 policy', () => {
    expect(parsePolicy('version: STSv2\nmode: enforce\nmx: a.test\nmax_age: 10\n')).toBeNull();
    expect(parsePolicy('version: STSv1\nmode: strict\nmx: a.test\nmax_age: 10\n')).toBeNull();
    expect(parsePolicy('version: STSv1\nmode: enforce\nmx: a.test\n')).toBeNull();
  });

  it('matches an MX exactly, or by one leftmost label for a "*." pattern', () => {
    expect(mxMatches('mx.tls-required.test', 'MX.tls-required.test.')).toBe(true);
    expect(mxMatches('mx.tls-required.test', 'mx2.tls-required.test')).toBe(false);
    expect(mxMatches('*.example.test', 'mx.example.test')).toBe(true);
    expect(mxMatches('*.example.test', 'a.mx.example.test')).toBe(false);
    expect(mxMatches('*.example.test', 'example.test')).toBe(false);
  });

  it('binds a sender only where the TXT record announces a policy in enforce mode', () => {
    const dns = new LabDns(LAB_WORLD);
    expect(enforcedPolicy(dns, LAB_WORLD, 'tls-required.test')).toMatchObject({ mode: 'enforce', mx: ['mx.tls-required.test', 'mx2.tls-required.test'] });
    expect(enforcedPolicy(dns, LAB_WORLD, 'example.test')).toBeNull();
    expect(servedPolicy(LAB_WORLD, 'example.test')).toBeNull();
    // A served file without its TXT record is never looked for.
    const unannounced = { ...LAB_WORLD, domains: LAB_WORLD.domains.map((d) => (d.name === 'tls-required.test' ? { ...d, txt: [] } : d)) };
    expect(enforcedPolicy(new LabDns(unannounced), unannounced, 'tls-required.test')).toBeNull();
  });
});
