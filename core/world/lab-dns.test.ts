import { describe, expect, it } from 'vitest';
import { domainOf, LabDns, localPartOf } from './lab-dns';
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
