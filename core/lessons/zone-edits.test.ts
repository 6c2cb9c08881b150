import { describe, expect, it } from 'vitest';
import { holds } from './evaluate';
import { predicateSchema, type Predicate } from './predicates';
import type { Evidence } from './evidence';
import { absoluteName, describeZoneEdit, editedRecords, zoneEditSchema } from './zone-edits';
import type { ZoneRecord } from '../world/learner-zone';

const ZONE: ZoneRecord[] = [
  { type: 'MX', name: 'lab-1f.learner.test', value: '10 mx.lab.test' },
  { type: 'TXT', name: 'lab-1f.learner.test', value: 'v=spf1 ip4:192.0.2.10 -all' },
  { type: 'TXT', name: '_dmarc.lab-1f.learner.test', value: 'v=DMARC1; p=none' },
];

describe('zone edits written relative to the learner domain', () => {
  it('names "@" the domain itself and a label one below it, whatever the lab calls its domain', () => {
    expect(absoluteName('@', 'learner.test')).toBe('learner.test');
    expect(absoluteName('_dmarc', 'lab-1f.learner.test')).toBe('_dmarc.lab-1f.learner.test');
  });

  it('replaces every record of a type and name set, keeps the others, and writes {domain} out', () => {
    const next = editedRecords(ZONE, { set: [{ type: 'TXT', name: '@', value: 'v=spf1 include:relay._spf.{domain} -all' }] }, 'lab-1f.learner.test');
    expect(next).toEqual([ZONE[0], ZONE[2], { type: 'TXT', name: 'lab-1f.learner.test', value: 'v=spf1 include:relay._spf.lab-1f.learner.test -all' }]);
  });

  it('removes only the type named at that name', () => {
    expect(editedRecords(ZONE, { remove: [{ type: 'TXT', name: '@' }] }, 'lab-1f.learner.test')).toEqual([ZONE[0], ZONE[2]]);
  });

  it('refuses a full name where a relative one belongs, and says so in the solution in plain words', () => {
    expect(zoneEditSchema.safeParse({ set: [{ type: 'TXT', name: '_dmarc.learner.test.', value: 'v=DMARC1; p=none' }] }).success).toBe(false);
    expect(describeZoneEdit(zoneEditSchema.parse({ set: [{ type: 'TXT', name: '_dmarc', value: 'v=DMARC1; p=reject' }] }))).toBe(
      'In your zone (World page), set TXT _dmarc.<your domain> to “v=DMARC1; p=reject”, and save',
    );
    expect(describeZoneEdit(zoneEditSchema.parse({ key: 'ed25519' }))).toMatch(/Ed25519 DKIM key .* without saving its record/);
  });
});

describe('goals about the zone and the Junk folder', () => {
  const evidence: Evidence = {
    conversations: [],
    messages: [
      { id: 'm1', envelopeFrom: 'me@learner.test', envelopeTo: ['alice@example.test'], mailbox: 'alice@example.test', raw: 'Subject: a\r\n\r\nx', quarantined: true },
    ],
    worldEvents: [{ type: 'zone', at: 1, domain: 'learner.test', outcome: 'refused', reasons: ['TXT learner.test: This SPF record needs 11 DNS lookups'] }],
  };
  const check = (predicate: Predicate) => holds(predicateSchema.parse(predicate), evidence);

  it('tells a copy in Junk from one in the Inbox', () => {
    expect(check({ message: { mailbox: 'alice@example.test', junk: true } })).toBe(true);
    expect(check({ message: { mailbox: 'alice@example.test', junk: false } })).toBe(false);
  });

  it("matches a zone change by its outcome and the reason it was refused", () => {
    expect(check({ world: { type: 'zone', outcome: 'refused', reason: 'needs 1\\d DNS lookups' } })).toBe(true);
    expect(check({ world: { type: 'zone', outcome: 'published' } })).toBe(false);
    expect(check({ world: { type: 'zone', reason: 'two SPF records' } })).toBe(false);
  });
});
