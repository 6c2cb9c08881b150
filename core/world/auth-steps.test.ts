import { describe, expect, it } from 'vitest';
import { evaluateSpf, MAX_SPF_TERM_STEPS, type SpfEvaluation } from './auth-steps';
import { LabDns } from './lab-dns';
import { LAB_WORLD } from './world-definition';

// The lab's own DNS: example.test's MX is mx.example.test (192.0.2.21), lab.test publishes
// `v=spf1 ip4:192.0.2.10 -all`, nomx.test has an A record and no MX.
const dns = new LabDns(LAB_WORLD);
const RELAY = '192.0.2.10';

const lookupsOf = (evaluation: SpfEvaluation): string[] =>
  evaluation.terms.flatMap((t) => [...t.lookups.map((l) => `${l.type} ${l.name}`), ...(t.inner ? lookupsOf(t.inner) : [])]);

describe('SPF evaluated term by term', () => {
  it('walks every mechanism up to the match, with each DNS lookup it made, and marks the rest not reached', () => {
    const spf = evaluateSpf('v=spf1 ip4:192.0.2.99 mx a:mx.example.test include:lab.test -all', 'example.test', RELAY, dns);
    expect(spf.terms.map((t) => [t.term, t.reached, t.matched])).toEqual([
      ['ip4:192.0.2.99', true, false],
      ['mx', true, false],
      ['a:mx.example.test', true, false],
      ['include:lab.test', true, true],
      ['-all', false, false],
    ]);
    expect(spf.terms[1]?.lookups).toEqual([
      { type: 'MX', name: 'example.test', answer: ['mx.example.test'] },
      { type: 'A', name: 'mx.example.test', answer: ['192.0.2.21'] },
    ]);
    expect(lookupsOf(spf)).toEqual(['MX example.test', 'A mx.example.test', 'A mx.example.test', 'TXT lab.test']);
    expect(spf.terms[3]?.inner?.terms.map((t) => [t.term, t.matched])).toEqual([['ip4:192.0.2.10', true], ['-all', false]]);
    expect(spf.matched).toBe('include:lab.test (matched ip4:192.0.2.10 in lab.test)');
  });

  it('does not let an include match through the included record’s -all (RFC 7208 §5.2)', () => {
    const spf = evaluateSpf('v=spf1 include:lab.test ~all', 'example.test', '192.0.2.50', dns);
    expect(spf.terms.map((t) => [t.term, t.matched])).toEqual([['include:lab.test', false], ['~all', true]]);
    expect(spf.terms[0]?.inner?.matched).toBe('-all');
    expect(spf.matched).toBe('~all');
  });

  it('finds no match for mx on a domain without MX records: no fallback to its A record (RFC 7208 §5.4)', () => {
    const spf = evaluateSpf('v=spf1 mx -all', 'nomx.test', '192.0.2.80', dns);
    expect(spf.terms[0]).toMatchObject({ term: 'mx', matched: false, lookups: [{ type: 'MX', name: 'nomx.test', answer: 'no MX record' }] });
    expect(spf.matched).toBe('-all');
  });

  it('follows a redirect only when no mechanism matched, and names what matched there', () => {
    const spf = evaluateSpf('v=spf1 ip4:192.0.2.99 redirect=lab.test', 'example.test', RELAY, dns);
    expect(spf.terms.map((t) => t.term)).toEqual(['ip4:192.0.2.99', 'redirect=lab.test']);
    expect(spf.matched).toBe('redirect=lab.test (matched ip4:192.0.2.10 in lab.test)');
    const early = evaluateSpf('v=spf1 ip4:192.0.2.10 redirect=lab.test', 'example.test', RELAY, dns);
    expect(early.terms.map((t) => [t.term, t.reached, t.lookups.length])).toEqual([['ip4:192.0.2.10', true, 0], ['redirect=lab.test', false, 0]]);
  });

  it('says an include of a name without an SPF record decides nothing', () => {
    const spf = evaluateSpf('v=spf1 include:nowhere.test -all', 'example.test', RELAY, dns);
    expect(spf.terms[0]).toMatchObject({ matched: false, lookups: [{ type: 'TXT', name: 'nowhere.test', answer: 'no TXT record' }] });
    expect(spf.terms[0]?.note).toMatch(/no SPF record/);
  });

  it('stops at a mechanism it does not evaluate, naming no match', () => {
    const spf = evaluateSpf('v=spf1 exists:%{i}.spf.example.test -all', 'example.test', RELAY, dns);
    expect(spf.terms.map((t) => [t.term, t.reached])).toEqual([['exists:%{i}.spf.example.test', true], ['-all', false]]);
    expect(spf.matched).toBeNull();
  });

  it('lists at most MAX_SPF_TERM_STEPS terms, and still finds the match past them', () => {
    const many = Array.from({ length: MAX_SPF_TERM_STEPS + 10 }, (_, i) => `ip4:198.51.100.${i}`).join(' ');
    const spf = evaluateSpf(`v=spf1 ${many} ip4:${RELAY} -all`, 'example.test', RELAY, dns);
    expect(spf.terms).toHaveLength(MAX_SPF_TERM_STEPS);
    expect(spf.matched).toBe(`ip4:${RELAY}`);
  });
});
