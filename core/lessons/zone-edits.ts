/**
 * What a lesson does to the learner's own zone, as the learner does it in the zone editor: records
 * set or removed, a DKIM key made (published or not), the working set restored. Names are written
 * relative to the learner's domain, as in a zone file (`@` is the domain itself, `_dmarc` is
 * `_dmarc.<domain>`), and `{domain}` in a value stands for it: a hosted lab's domain is a name of
 * its own, and the same lesson works there.
 */
import { z } from 'zod';
import { fillDomain } from './lesson-domain';
import { MAX_ZONE_RECORDS, ZONE_RECORD_TYPES, normaliseName, type ZoneRecord, type ZoneRecordType } from '../world/learner-zone';

/** The owner name as a zone file writes it: `@`, or labels below the domain. */
const relativeName = z.string().regex(/^(@|[a-z0-9_]([a-z0-9_.-]{0,200}[a-z0-9_])?)$/, {
  message: 'must be "@" (your domain itself) or a name below it without the domain, e.g. "_dmarc"',
});

export const zoneRecordEditSchema = z.strictObject({
  type: z.enum(ZONE_RECORD_TYPES),
  name: relativeName,
  value: z.string().max(2048),
});

export const DKIM_ALGORITHMS = ['ed25519', 'rsa'] as const;

export const zoneEditSchema = z.union([
  /** Every record of each type and name given is replaced by the ones given (several: several records). */
  z.strictObject({ set: z.array(zoneRecordEditSchema).min(1).max(MAX_ZONE_RECORDS) }),
  /** Every record of that type at that name is taken out. */
  z.strictObject({ remove: z.array(z.strictObject({ type: z.enum(ZONE_RECORD_TYPES), name: relativeName })).min(1).max(MAX_ZONE_RECORDS) }),
  /** The lab makes a new DKIM key and signs with it at once; `publish: true` also saves its record. */
  z.strictObject({ key: z.enum(DKIM_ALGORITHMS), publish: z.boolean().default(false) }),
  /** The record of the key the lab signs with now is saved (a key made earlier, published later). */
  z.strictObject({ publishKey: z.literal(true) }),
  /** The working set the lab started with, and its own key. */
  z.strictObject({ reset: z.literal(true) }),
  /** The MTA-STS policy file the world serves for the domain (RFC 8461 §3.2); null: none. */
  z.strictObject({
    policy: z
      .strictObject({ mode: z.enum(['enforce', 'testing', 'none']), mx: z.array(z.string().min(1).max(253)).max(10), maxAge: z.number().int().min(0) })
      .nullable(),
  }),
]);

export type ZoneRecordEdit = z.infer<typeof zoneRecordEditSchema>;
export type ZoneEdit = z.infer<typeof zoneEditSchema>;

/** `@` → the domain, `_dmarc` → `_dmarc.<domain>`. */
export function absoluteName(name: string, domain: string): string {
  return name === '@' ? domain : `${normaliseName(name)}.${domain}`;
}

/** A record as the zone holds it: its name made absolute, `{domain}` in its value replaced. */
export function absoluteRecord(record: ZoneRecordEdit, domain: string): ZoneRecord {
  return { type: record.type, name: absoluteName(record.name, domain), value: fillDomain(record.value, domain) };
}

/** The zone's records with `edits` set: each type and name given loses its old records and gets the new ones, at the end. */
export function setRecords(records: readonly ZoneRecord[], edits: readonly ZoneRecordEdit[], domain: string): ZoneRecord[] {
  const next = edits.map((edit) => absoluteRecord(edit, domain));
  return [...withoutRecords(records, next), ...next];
}

/** The zone's records without any of the type and (absolute) name of those given. */
export function withoutRecords(records: readonly ZoneRecord[], gone: ReadonlyArray<{ type: ZoneRecordType; name: string }>): ZoneRecord[] {
  const key = (type: string, name: string) => `${type} ${normaliseName(name)}`;
  const names = new Set(gone.map((g) => key(g.type, g.name)));
  return records.filter((r) => !names.has(key(r.type, r.name)));
}

/** The records after `edit` (set or remove) of the zone of `domain`. */
export function editedRecords(records: readonly ZoneRecord[], edit: Extract<ZoneEdit, { set: unknown } | { remove: unknown }>, domain: string): ZoneRecord[] {
  if ('set' in edit) return setRecords(records, edit.set, domain);
  return withoutRecords(records, edit.remove.map((r) => ({ type: r.type, name: absoluteName(r.name, domain) })));
}

/** In plain words, for the solution the player shows. */
export function describeZoneEdit(edit: ZoneEdit): string {
  const shown = (name: string) => (name === '@' ? 'your domain' : `${name}.<your domain>`);
  if ('set' in edit) return `In your zone (World page), set ${edit.set.map((r) => `${r.type} ${shown(r.name)} to “${fillDomain(r.value, '<your domain>')}”`).join(', ')}, and save`;
  if ('remove' in edit) return `In your zone (World page), delete ${edit.remove.map((r) => `the ${r.type} record at ${shown(r.name)}`).join(', ')}, and save`;
  if ('key' in edit) return `Make a new ${edit.key === 'rsa' ? 'RSA' : 'Ed25519'} DKIM key in your zone${edit.publish ? ', and save its record' : ', without saving its record'}`;
  if ('publishKey' in edit) return 'In your zone, save the record of the DKIM key the lab made last';
  if ('policy' in edit) return edit.policy ? `In your zone (World page), write the MTA-STS policy “mode: ${edit.policy.mode}” for ${edit.policy.mx.join(', ') || 'no MX'} (max_age ${edit.policy.maxAge}), and save` : 'In your zone (World page), empty the MTA-STS policy, and save';
  return 'Reset your zone to the working set';
}
