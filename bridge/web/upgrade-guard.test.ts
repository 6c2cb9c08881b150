import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { checkUpgrade, type HostRule } from './upgrade-guard';

const rule = (boundHost: string, allowedHosts: string[] = []): HostRule => ({ boundHost, allowedHosts });
const upgrade = (host: string, origin?: string) => ({ headers: { host, ...(origin ? { origin } : {}) } }) as IncomingMessage;

describe('who may open the WebSocket', () => {
  it('takes the bound address and loopback names, and refuses a rebound foreign name', () => {
    expect(checkUpgrade(upgrade('127.0.0.1:5025', 'http://127.0.0.1:5025'), rule('127.0.0.1')).ok).toBe(true);
    expect(checkUpgrade(upgrade('localhost:5025'), rule('127.0.0.1')).ok).toBe(true);
    expect(checkUpgrade(upgrade('evil.example:5025', 'http://evil.example:5025'), rule('127.0.0.1')).ok).toBe(false);
  });

  it('behind a proxy, takes the names it was told and still refuses others', () => {
    expect(checkUpgrade(upgrade('lab.school.example', 'https://lab.school.example'), rule('127.0.0.1', ['lab.school.example'])).ok).toBe(true);
    expect(checkUpgrade(upgrade('evil.example', 'https://evil.example'), rule('127.0.0.1', ['lab.school.example'])).ok).toBe(false);
  });

  it('bound to every address, takes address literals and the names it was told, never a rebound name', () => {
    expect(checkUpgrade(upgrade('10.0.0.5:5025'), rule('0.0.0.0')).ok).toBe(true);
    expect(checkUpgrade(upgrade('[fd00::5]:5025'), rule('::')).ok).toBe(true);
    expect(checkUpgrade(upgrade('10.0.0.5:5025'), rule('0.0.0.0', ['lab.school.example'])).ok).toBe(true);
    expect(checkUpgrade(upgrade('lab.school.example:5025'), rule('0.0.0.0', ['lab.school.example'])).ok).toBe(true);
    expect(checkUpgrade(upgrade('rebound.example:5025'), rule('0.0.0.0')).ok).toBe(false);
    expect(checkUpgrade(upgrade('10.0.0.5.rebound.example:5025'), rule('0.0.0.0')).ok).toBe(false);
  });

  it('takes a bound name', () => {
    expect(checkUpgrade(upgrade('mylaptop.local:5025'), rule('mylaptop.local')).ok).toBe(true);
  });

  it('takes the public name and a bound IPv6 address', () => {
    expect(checkUpgrade(upgrade('smtp.lab.example:5025'), { boundHost: '10.0.0.5', publicHost: 'smtp.lab.example' }).ok).toBe(true);
    expect(checkUpgrade(upgrade('[2001:db8::5]:5025'), rule('2001:db8::5')).ok).toBe(true);
    expect(checkUpgrade(upgrade('evil.example:5025'), { boundHost: '10.0.0.5', publicHost: 'smtp.lab.example' }).ok).toBe(false);
  });

  it('refuses a page of another origin', () => {
    expect(checkUpgrade(upgrade('127.0.0.1:5025', 'http://127.0.0.1:9999'), rule('127.0.0.1')).ok).toBe(false);
  });
});
