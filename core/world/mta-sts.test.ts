import { describe, expect, it } from 'vitest';
import { LabDns } from './lab-dns';
import { checkPolicy, enforcedPolicy, MAX_POLICY_MX, MAX_STS_MAX_AGE, mtaStsRecordProblem, mxMatches, parsePolicy, policyText, policyUrl, readPolicyFile, servedPolicy } from './mta-sts';
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

describe("the learner's MTA-STS record and policy, checked before they are served", () => {
  it('wants v=STSv1 first and an id of 1 to 32 letters and digits (RFC 8461 §3.1)', () => {
    expect(mtaStsRecordProblem('v=STSv1; id=20261205T0300;')).toBeNull();
    expect(mtaStsRecordProblem('v=STSv1;')).toMatch(/needs id=/);
    expect(mtaStsRecordProblem('id=1; v=STSv1')).toMatch(/starts with v=STSv1/);
    expect(mtaStsRecordProblem('v=STSv1; id=2026-12-05')).toMatch(/1 to 32 letters and digits/);
  });

  it('names what is wrong with a policy: its mode, its mx lines, its max_age', () => {
    expect(checkPolicy({ mode: 'enforce', mx: ['MX.lab.test.', '*.example.test'], maxAge: 86_400 })).toEqual({ ok: true, policy: { mode: 'enforce', mx: ['mx.lab.test', '*.example.test'], maxAge: 86_400 } });
    expect(checkPolicy({ mode: 'strict', mx: ['mx.lab.test'], maxAge: 1 })).toEqual({ ok: false, reason: 'MTA-STS policy: mode "strict" is not a mode: enforce, testing or none (RFC 8461 §3.2)' });
    expect(checkPolicy({ mode: 'enforce', mx: [], maxAge: 1 })).toMatchObject({ ok: false, reason: expect.stringMatching(/needs at least one mx/) });
    expect(checkPolicy({ mode: 'none', mx: [], maxAge: 1 }).ok).toBe(true);
    expect(checkPolicy({ mode: 'enforce', mx: ['mx .lab.test'], maxAge: 1 })).toMatchObject({ ok: false, reason: expect.stringMatching(/"mx .lab.test" is not a host name/) });
    expect(checkPolicy({ mode: 'enforce', mx: Array.from({ length: MAX_POLICY_MX + 1 }, (_, i) => `mx${i}.lab.test`), maxAge: 1 })).toMatchObject({ ok: false, reason: expect.stringMatching(/at most 10/) });
    expect(checkPolicy({ mode: 'enforce', mx: ['mx.lab.test'], maxAge: MAX_STS_MAX_AGE + 1 })).toMatchObject({ ok: false, reason: expect.stringMatching(/max_age 31557601/) });
  });

  it('reads a policy file as typed, line by line, with the reason it cannot', () => {
    const policy = { mode: 'testing' as const, mx: ['mx.lab.test'], maxAge: 600 };
    expect(readPolicyFile(policyText(policy))).toEqual({ ok: true, policy });
    // RFC 8461 §3.2 requires the version field, not that it comes first: the reason says only what is missing.
    expect(readPolicyFile('mode: enforce\nmx: mx.lab.test\nmax_age: 600')).toMatchObject({ ok: false, reason: expect.stringMatching(/needs the line version: STSv1/) });
    expect(readPolicyFile('mode: testing\nversion: STSv1\nmx: mx.lab.test\nmax_age: 600')).toEqual({ ok: true, policy });
    expect(readPolicyFile('version: STSv1\nmode enforce\n')).toMatchObject({ ok: false, reason: expect.stringMatching(/line 2 is not "key: value"/) });
    expect(readPolicyFile('version: STSv1\nmode: enforce\nmx: mx.lab.test\n')).toMatchObject({ ok: false, reason: expect.stringMatching(/max_age \(missing\)/) });
  });
});
