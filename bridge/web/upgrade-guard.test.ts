import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { checkUpgrade } from './upgrade-guard';

const upgrade = (host: string, origin?: string) => ({ headers: { host, ...(origin ? { origin } : {}) } }) as IncomingMessage;

describe('who may open the WebSocket', () => {
  it('takes the bound address and loopback names, and refuses a rebound foreign name', () => {
    expect(checkUpgrade(upgrade('127.0.0.1:5025', 'http://127.0.0.1:5025'), '127.0.0.1').ok).toBe(true);
    expect(checkUpgrade(upgrade('localhost:5025'), '127.0.0.1').ok).toBe(true);
    expect(checkUpgrade(upgrade('evil.example:5025', 'http://evil.example:5025'), '127.0.0.1').ok).toBe(false);
  });

  it('behind a proxy, takes the names it was told and still refuses others', () => {
    expect(checkUpgrade(upgrade('lab.school.example', 'https://lab.school.example'), '127.0.0.1', ['lab.school.example']).ok).toBe(true);
    expect(checkUpgrade(upgrade('evil.example', 'https://evil.example'), '127.0.0.1', ['lab.school.example']).ok).toBe(false);
  });

  it('bound to every address, checks Host only once it knows its names', () => {
    expect(checkUpgrade(upgrade('10.0.0.5:5025'), '0.0.0.0').ok).toBe(true);
    expect(checkUpgrade(upgrade('10.0.0.5:5025'), '0.0.0.0', ['lab.school.example']).ok).toBe(false);
    expect(checkUpgrade(upgrade('lab.school.example:5025'), '0.0.0.0', ['lab.school.example']).ok).toBe(true);
  });

  it('refuses a page of another origin', () => {
    expect(checkUpgrade(upgrade('127.0.0.1:5025', 'http://127.0.0.1:9999'), '127.0.0.1').ok).toBe(false);
  });
});
