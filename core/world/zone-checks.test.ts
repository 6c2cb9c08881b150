import { describe, expect, it } from 'vitest';
import { fromZoneFile, toZoneFile, workingSet, type ZoneRecord } from './learner-zone';
import { checkZone, dkimProblem, dmarcProblem, spfProblem } from './zone-checks';

const RSA_1024 =
  'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDLilryxd6MnhtPra97DTCSFy08CzC7T5w7I4qCcBTN7fTMlEGblwM9zpl4tdxqUsSBYH+kt9C5j3N4eVHe8DffWDRg7aFBTZc1xpG1nvbXZSDRayMsgxMKEnoG+kGAXPkMclz89Jodo7rB6fklNXk8x19UNJ7NlvtlpwMj5CyzjwIDAQAB';
const ED25519 = '0oVk7aCYs/u/Jd0osA42tlpwpTzyuFNRGsFWIzimNac=';
const setting = { relay: { name: 'smtp.lab.test', address: '192.0.2.10' }, mx: 'mx.lab.test' };
const outside: Record<string, string[]> = { 'lab.test': ['v=spf1 ip4:192.0.2.10 -all'], 'big.test': ['v=spf1 a mx ptr exists:x.big.test a:b.big.test mx:c.big.test -all'] };
const context = { domain: 'learner.test', setting, outsideTxt: (name: string) => outside[name] ?? [] };
const working = () => workingSet('learner.test', setting, `v=DKIM1; k=ed25519; p=${ED25519}`);
const noTxt = () => [];

describe('the learner zone checks', () => {
  it('accepts the working set, and names with a trailing dot or capitals as the same name', () => {
    expect(checkZone({ records: working() }, context)).toMatchObject({ ok: true });
    const shouted = checkZone({ records: [{ type: 'A', name: 'WWW.Learner.Test.', value: '192.0.2.91' }] }, context);
    expect(shouted).toEqual({ ok: true, records: [{ type: 'A', name: 'www.learner.test', value: '192.0.2.91' }] });
  });

  it('SPF: two v=spf1 at one name, an unknown mechanism, a bad ip4, and the ten-lookup limit across includes', () => {
    const twice: ZoneRecord[] = [...working(), { type: 'TXT', name: 'learner.test', value: 'v=spf1 mx -all' }];
    const result = checkZone({ records: twice }, context);
    expect(result.ok ? [] : result.errors.map((e) => [e.index, e.reason])).toEqual([
      [2, expect.stringMatching(/has 2 SPF records/)],
      [6, expect.stringMatching(/has 2 SPF records/)],
    ]);
    expect(spfProblem('v=spf1 ip4:192.0.2.10 mix -all', noTxt)).toMatch(/"mix" is not an SPF mechanism/);
    expect(spfProblem('v=spf1 ip4:192.0.2.300 -all', noTxt)).toMatch(/needs an IPv4 address/);
    expect(spfProblem('v=spf1 include:lab.test ~all exp=explain.learner.test', (n) => outside[n] ?? [])).toBeNull();
    // 5 of its own + 6 behind include:big.test = 11: over the limit only once the include is followed.
    const chain = 'v=spf1 a mx a:m.learner.test mx:n.learner.test include:big.test -all';
    expect(spfProblem(chain, noTxt)).toBeNull();
    expect(spfProblem(chain, (n) => outside[n] ?? [])).toMatch(/needs 11 DNS lookups/);
    expect(spfProblem('v=spf1 a mx a:m.learner.test mx:n.learner.test -all', (n) => outside[n] ?? [])).toBeNull();
  });

  it('DMARC: v=DMARC1 first, known tags only, a real policy', () => {
    expect(dmarcProblem('v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=r; pct=50; rua=mailto:d@learner.test')).toBeNull();
    expect(dmarcProblem('v=DMARC1; p=reject; colour=blue')).toMatch(/"colour" is not a DMARC tag/);
    expect(dmarcProblem('v=DMARC1; p=block')).toMatch(/p=block is not a policy/);
    expect(dmarcProblem('v=DMARC1; adkim=s')).toMatch(/needs a policy/);
    expect(dmarcProblem('p=reject; v=DMARC1')).toMatch(/starts with v=DMARC1/);
    expect(dmarcProblem('v=DMARC1; p=none; pct=150')).toMatch(/pct=150/);
  });

  it('DKIM: keys that parse pass, keys that do not are refused with the reason', () => {
    expect(dkimProblem(`v=DKIM1; k=rsa; p=${RSA_1024}`)).toBeNull();
    expect(dkimProblem(`v=DKIM1; k=ed25519; p=${ED25519}`)).toBeNull();
    expect(dkimProblem('v=DKIM1; p=')).toBeNull();
    expect(dkimProblem('v=DKIM1; k=rsa; p=not*base64')).toMatch(/not valid base64/);
    expect(dkimProblem(`v=DKIM1; k=rsa; p=${RSA_1024.slice(0, -8)}`)).toMatch(/does not parse as an RSA public key/);
    expect(dkimProblem(`v=DKIM1; k=ed25519; p=${RSA_1024}`)).toMatch(/an Ed25519 key is 32/);
    expect(dkimProblem(`v=DKIM1; k=dsa; p=${ED25519}`)).toMatch(/k=dsa/);
    expect(dkimProblem('v=DKIM1; k=rsa')).toMatch(/needs p=/);
  });

  it('refuses names outside the domain, a PTR for another address, and bad A and MX values', () => {
    const result = checkZone(
      {
        records: [
          { type: 'A', name: 'learner.test.evil.test', value: '192.0.2.1' },
          { type: 'PTR', name: '1.2.0.192.in-addr.arpa', value: 'smtp.lab.test' },
          { type: 'A', name: 'learner.test', value: '192.0.2' },
          { type: 'MX', name: 'learner.test', value: 'mx.lab.test' },
          { type: 'MX', name: 'learner.test', value: '0 .' },
        ],
      },
      context,
    );
    expect(result.ok ? [] : result.errors.map((e) => [e.index, e.reason])).toEqual([
      [0, expect.stringMatching(/outside your domain learner\.test/)],
      [1, expect.stringMatching(/may only name the lab's sending host's address, 10\.2\.0\.192\.in-addr\.arpa/)],
      [2, expect.stringMatching(/not an IPv4 address/)],
      [3, expect.stringMatching(/preference and a host/)],
    ]);
  });

  it('refuses a body of the wrong shape with where and why', () => {
    const result = checkZone({ records: [{ type: 'CNAME', name: 'www.learner.test', value: 'x' }] }, context);
    expect(result).toMatchObject({ ok: false, errors: [{ index: 0, reason: expect.stringMatching(/^type: /) }] });
    expect(checkZone({ nothing: true }, context)).toMatchObject({ ok: false });
  });

  it('writes zone-file lines and reads them back, and names a line it cannot read', () => {
    const records = [...working(), { type: 'TXT' as const, name: 'long.learner.test', value: `v=DKIM1; k=rsa; p=${RSA_1024}${RSA_1024}` }];
    const text = toZoneFile({ domain: 'learner.test', records });
    expect(text).toMatch(/^learner\.test\. 300 IN MX 10 mx\.lab\.test\.$/m);
    expect(text).toMatch(/^long\.learner\.test\. 300 IN TXT "v=DKIM1[^"]{248}" "/m);
    expect(fromZoneFile(text)).toEqual({ records, errors: [] });
    expect(fromZoneFile('; a comment\n\nlearner.test IN A 192.0.2.90\nwhat is this\n')).toEqual({
      records: [{ type: 'A', name: 'learner.test', value: '192.0.2.90' }],
      errors: [{ index: -1, record: null, reason: expect.stringMatching(/^Line 4 /) }],
    });
  });

  it('writes the MTA-STS policy after the records as comment lines, and reads it back whole', () => {
    const mtaSts = { mode: 'enforce' as const, mx: ['mx.lab.test'], maxAge: 86_400 };
    const records = [...working(), { type: 'TXT' as const, name: '_mta-sts.learner.test', value: 'v=STSv1; id=1;' }];
    const text = toZoneFile({ domain: 'learner.test', records, mtaSts });
    expect(text).toContain('; MTA-STS policy served at https://mta-sts.learner.test/.well-known/mta-sts.txt\n;   version: STSv1\n;   mode: enforce\n;   mx: mx.lab.test\n;   max_age: 86400\n');
    expect(fromZoneFile(text)).toEqual({ records, errors: [], mtaSts });
    expect(fromZoneFile(text.replace('mode: enforce', 'mode: strict')).errors).toEqual([{ index: -1, record: null, reason: expect.stringMatching(/mode "strict"/) }]);
  });

  it('checks the _mta-sts record with the policy it announces, and keeps the policy a change leaves out', () => {
    const announce = { type: 'TXT' as const, name: '_mta-sts.learner.test', value: 'v=STSv1; id=a1;' };
    const policy = { mode: 'enforce', mx: ['mx.lab.test'], maxAge: 600 };
    expect(checkZone({ records: [...working(), announce], mtaSts: policy }, context)).toMatchObject({ ok: true, mtaSts: policy });
    expect(checkZone({ records: [...working(), announce] }, { ...context, mtaSts: { mode: 'testing', mx: ['mx.lab.test'], maxAge: 1 } })).toEqual({ ok: true, records: [...working(), announce] });
    expect(checkZone({ records: [...working(), announce] }, context)).toMatchObject({ ok: false, errors: [{ index: 6, reason: expect.stringMatching(/serves none/) }] });
    expect(checkZone({ records: [...working(), announce, { ...announce, value: 'v=STSv1; id=b2;' }], mtaSts: policy }, context)).toMatchObject({ ok: false, errors: [{ index: 6, reason: expect.stringMatching(/2 MTA-STS records/) }, { index: 7 }] });
    expect(checkZone({ records: working(), mtaSts: null }, context)).toMatchObject({ ok: true, mtaSts: null });
    // The policy file as typed in the zone editor, read by the same rules.
    expect(checkZone({ records: [...working(), announce], mtaSts: 'version: STSv1\nmode: enforce\nmx: mx.lab.test\nmax_age: 600\n' }, context)).toMatchObject({ ok: true, mtaSts: policy });
    expect(checkZone({ records: [...working(), announce], mtaSts: 'version: STSv1\nmode: always\nmx: mx.lab.test\nmax_age: 600\n' }, context)).toMatchObject({ ok: false, errors: [{ index: -1, reason: expect.stringMatching(/mode "always"/) }] });
  });
});
