import { describe, expect, it } from 'vitest';
import { decideRecipient, domainsServedBy, greylistVerdict, REPLIES } from './recipient-policy';
import { GREYLIST_MIN_DELAY_MS, LAB_WORLD } from './world-definition';

const host = (name: string) => {
  const found = LAB_WORLD.hosts.find((h) => h.name === name);
  if (!found) throw new Error(name);
  return domainsServedBy(LAB_WORLD, found);
};
const example = host('mx.example.test');

describe('recipient policy', () => {
  it.each([
    ['alice@example.test', { action: 'accept', slow: false, lateBounce: false }],
    ['nobody@example.test', { action: 'refuse', reply: REPLIES.unknownUser, slow: false }],
    ['full@example.test', { action: 'refuse', reply: REPLIES.mailboxFull, slow: false }],
    ['greylist@example.test', { action: 'greylist', reply: REPLIES.greylisted, slow: false }],
    ['tempfail@example.test', { action: 'refuse', reply: REPLIES.tempfail, slow: false }],
    ['slow@example.test', { action: 'accept', slow: true, lateBounce: false }],
    ['bounce@example.test', { action: 'accept', slow: false, lateBounce: true }],
    ['alice@fallback.test', { action: 'refuse', reply: REPLIES.relayDenied, slow: false }],
    ['friend%fallback.test@example.test', { action: 'refuse', reply: REPLIES.routedLocalPart, slow: false }],
    ['fallback.test!friend@example.test', { action: 'refuse', reply: REPLIES.routedLocalPart, slow: false }],
  ])('%s at mx.example.test', (address, decision) => {
    expect(decideRecipient(example, address)).toEqual(decision);
  });

  it('refuses the % hack even where any local part is a user', () => {
    expect(decideRecipient(host('mx.lab.test'), 'anyone@lab.test').action).toBe('accept');
    expect(decideRecipient(host('mx.lab.test'), 'friend%fallback.test@lab.test')).toEqual({ action: 'refuse', reply: REPLIES.routedLocalPart, slow: false });
  });

  it('magic local parts are only magic where the domain says so', () => {
    expect(decideRecipient(host('mx2.fallback.test'), 'full@fallback.test').action).toBe('accept');
  });

  it('greylists a whole domain, and serves the implicit-MX domain from its own host', () => {
    expect(decideRecipient(host('mx.greylist.test'), 'x@greylist.test').action).toBe('greylist');
    expect(host('nomx.test').map((d) => d.name)).toEqual(['nomx.test']);
  });

  it('lets a greylisted pair through only after the minimum delay', () => {
    expect(greylistVerdict(undefined, 1000)).toBe('first');
    expect(greylistVerdict(1000, 1000 + GREYLIST_MIN_DELAY_MS - 1)).toBe('early');
    expect(greylistVerdict(1000, 1000 + GREYLIST_MIN_DELAY_MS)).toBe('pass');
  });
});
