import { describe, expect, it } from 'vitest';
import { heloRefusal, isFullyQualified } from './helo-policy';
import { LabDns } from './lab-dns';
import { LAB_WORLD } from './world-definition';

const dns = new LabDns(LAB_WORLD);

describe('a strict host reading EHLO', () => {
  it('tells a fully-qualified name from a bare one (RFC 5321 §2.3.5)', () => {
    expect(['localhost', 'monitor', 'localhost.', '192.0.2.10', 'a..test'].map(isFullyQualified)).toEqual([false, false, false, false, false]);
    expect(['smtp.lab.test', 'smtp.lab.test.', '[192.0.2.10]'].map(isFullyQualified)).toEqual([true, true, true]);
  });

  it('takes only the PTR name of the address, once its A record leads back', () => {
    expect(heloRefusal('localhost', '192.0.2.10', dns)).toMatchObject({ code: 504, enhanced: '5.5.2' });
    expect(heloRefusal('monitor.lab.test', '192.0.2.10', dns)).toMatchObject({ code: 550, enhanced: '5.7.1' });
    expect(heloRefusal('stranger.test', '192.0.2.99', dns)).toMatchObject({ code: 450, enhanced: '4.7.25' });
    expect(heloRefusal('smtp.lab.test', '192.0.2.10', dns)).toBeNull();
    expect(heloRefusal('MX.Example.Test.', '192.0.2.21', dns)).toBeNull();
  });

  it('does not trust a PTR record whose name does not lead back to the address', () => {
    const forged = { resolvePtr: () => ['mx.example.test'], resolveA: (name: string) => dns.resolveA(name) };
    expect(heloRefusal('mx.example.test', '192.0.2.99', forged)).toMatchObject({ code: 450, enhanced: '4.7.25' });
  });
});
