import { describe, expect, it } from 'vitest';
import { domainOf, LabDns, localPartOf, withTxtRecord } from './lab-dns';
import { LAB_WORLD } from './world-definition';

const dns = new LabDns(LAB_WORLD);

describe('lab DNS', () => {
  it('orders MX candidates by preference, with their A records', () => {
    expect(dns.resolveMx('fallback.test').candidates).toEqual([
      { exchange: 'mx1.fallback.test', preference: 10, address: '192.0.2.31' },
      { exchange: 'mx2.fallback.test', preference: 20, address: '192.0.2.32' },
    ]);
  });

  it('falls back to the domain itself when there is no MX (implicit MX)', () => {
    expect(dns.resolveMx('nomx.test')).toEqual({ domain: 'nomx.test', kind: 'implicit', records: [], candidates: [{ exchange: 'nomx.test', preference: 0, address: '192.0.2.80' }] });
  });

  it('reports a null MX with nothing to try', () => {
    expect(dns.resolveMx('nullmx.test')).toMatchObject({ kind: 'null-mx', candidates: [] });
  });

  it('calls unknown domains outside, whatever their case or trailing dot', () => {
    expect(dns.resolveMx('Gmail.COM.')).toEqual({ domain: 'gmail.com', kind: 'outside', records: [], candidates: [] });
    expect(dns.resolveMx('EXAMPLE.test.').kind).toBe('mx');
  });

  it('answers A for hosts and domains', () => {
    expect(dns.resolveA('mx.example.test')).toEqual(['192.0.2.21']);
    expect(dns.resolveA('nowhere.test')).toEqual([]);
  });

  it('splits addresses', () => {
    expect(domainOf('Alice@Example.TEST')).toBe('example.test');
    expect(localPartOf('Alice@Example.TEST')).toBe('alice');
  });

  it('gives every MX exchange in the world a host definition', () => {
    const hosts = new Set(LAB_WORLD.hosts.map((h) => h.name));
    for (const domain of LAB_WORLD.domains) {
      for (const candidate of dns.resolveMx(domain.name).candidates) expect(hosts.has(candidate.exchange), candidate.exchange).toBe(true);
    }
  });
});

describe('lab DNS TXT records', () => {
  it('publishes SPF and DMARC for lab.test, and a DKIM key added at start', () => {
    expect(dns.resolveTxt('lab.test')).toEqual(['v=spf1 ip4:192.0.2.10 -all']);
    expect(dns.resolveTxt('_dmarc.lab.test')).toEqual(['v=DMARC1; p=reject; adkim=r; aspf=r']);
    const keyed = new LabDns(withTxtRecord(LAB_WORLD, 'lab.test', { name: 'lab._domainkey.lab.test', text: 'v=DKIM1; k=ed25519; p=AAAA' }));
    expect(keyed.resolveTxt('LAB._domainkey.lab.test.')).toEqual(['v=DKIM1; k=ed25519; p=AAAA']);
  });

  it('answers the HELO names of hosts and the relay, and nothing for a domain without DMARC', () => {
    expect(dns.resolveTxt('mx.example.test')).toEqual(['v=spf1 a -all']);
    expect(dns.resolveTxt('smtp.lab.test')).toEqual(['v=spf1 a -all']);
    expect(dns.resolveA('smtp.lab.test')).toEqual(['192.0.2.10']);
    expect(dns.resolveTxt('nomx.test')).toEqual(['v=spf1 a -all']);
    expect(dns.resolveTxt('_dmarc.nomx.test')).toEqual([]);
    expect(dns.knows('_dmarc.nomx.test')).toBe(false);
    expect(dns.knows('nomx.test')).toBe(true);
  });

  it("answers the learner's names from the learner's zone alone, the rest of the world as before", () => {
    const zoned = new LabDns(LAB_WORLD, {
      domain: 'learner.test',
      records: [
        { type: 'MX', name: 'learner.test', value: '0 .' },
        { type: 'TXT', name: 'learner.test', value: 'v=spf1 -all' },
        { type: 'A', name: 'www.learner.test', value: '192.0.2.91' },
        { type: 'PTR', name: '10.2.0.192.in-addr.arpa', value: 'mail.learner.test' },
      ],
    });
    expect(zoned.resolveMx('learner.test').kind).toBe('null-mx');
    expect(zoned.resolveTxt('learner.test')).toEqual(['v=spf1 -all']);
    expect(zoned.resolveTxt('_dmarc.learner.test')).toEqual([]);
    expect(zoned.resolveA('www.learner.test')).toEqual(['192.0.2.91']);
    expect(zoned.knows('www.learner.test')).toBe(true);
    expect(zoned.knows('nothing.learner.test')).toBe(false);
    expect(zoned.resolvePtr('10.2.0.192.in-addr.arpa')).toEqual(['mail.learner.test']);
    expect(dns.resolvePtr('10.2.0.192.in-addr.arpa')).toEqual(['smtp.lab.test']);
    expect(zoned.resolveTxt('_dmarc.example.test')).toEqual(['v=DMARC1; p=reject']);
    zoned.useZone(null);
    expect(zoned.resolveMx('learner.test').kind).toBe('outside');
  });
});
