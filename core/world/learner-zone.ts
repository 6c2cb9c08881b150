/**
 * The learner's own domain: a zone of DNS records the learner edits (through the World page, the
 * JSON API or the WebSocket), consulted by the lab DNS before the world's fixed records. Pure:
 * the shape of a record, the working set a lab starts with, and zone-file lines.
 */
import { policyText, policyUrl, readPolicyFile } from './mta-sts';
import type { MtaStsPolicy } from './world-types';

/** The learner's domain in a local lab; a hosted lab gets `<label>.learner.test`, a name of its own. */
export const LOCAL_LEARNER_DOMAIN = 'learner.test';
/** The selector the working set publishes its DKIM key under. */
export const LEARNER_DKIM_SELECTOR = 'learner';
/** The learner's domain's own address (documentation range, RFC 5737): its A record. */
export const LEARNER_DOMAIN_ADDRESS = '192.0.2.90';
/** Records a zone may hold: enough to break everything, small enough to read. */
export const MAX_ZONE_RECORDS = 50;
/** The TTL zone-file lines carry (the lab DNS caches nothing, so it is only written down). */
export const ZONE_TTL = 300;

export const ZONE_RECORD_TYPES = ['A', 'MX', 'TXT', 'PTR'] as const;
export type ZoneRecordType = (typeof ZONE_RECORD_TYPES)[number];

export interface ZoneRecord {
  type: ZoneRecordType;
  /** The full owner name, e.g. `_dmarc.learner.test`. */
  name: string;
  value: string;
}

/** The largest body the zone's JSON API reads (a full zone of long TXT records fits many times over). */
export const MAX_ZONE_BODY_BYTES = 256 * 1024;

/** A key the lab made: the lab signs with it from now on; `record` publishes it once saved. */
export interface DkimKeyOffer {
  selector: string;
  algorithm: 'ed25519' | 'rsa';
  record: ZoneRecord;
}

export interface LearnerZone {
  domain: string;
  records: ZoneRecord[];
  /**
   * The MTA-STS policy file the lab world serves for the domain (RFC 8461 §3.2), announced by a
   * `_mta-sts` TXT record; null: none served. Left out of a change: kept as it is.
   */
  mtaSts?: MtaStsPolicy | null;
}

/** One refused record and why: `index` is its place in what was sent (-1 for the set as a whole). */
export interface ZoneError {
  index: number;
  record: ZoneRecord | null;
  reason: string;
}

export interface ZoneSetting {
  /** The relay that sends the learner's mail (its name and address, for SPF and PTR). */
  relay: { name: string; address: string };
  /** The MX host that takes mail for the learner's domain (and bounces back to it). */
  mx: string;
}

/**
 * The records a lab starts with: mail the relay sends from the domain passes SPF (the relay's
 * address), DKIM (the key the lab made) and DMARC (both aligned), and the policy only watches.
 */
export function workingSet(domain: string, setting: ZoneSetting, dkimValue: string): ZoneRecord[] {
  return [
    { type: 'MX', name: domain, value: `10 ${setting.mx}` },
    { type: 'A', name: domain, value: LEARNER_DOMAIN_ADDRESS },
    { type: 'TXT', name: domain, value: `v=spf1 ip4:${setting.relay.address} -all` },
    { type: 'TXT', name: `${LEARNER_DKIM_SELECTOR}._domainkey.${domain}`, value: dkimValue },
    { type: 'TXT', name: `_dmarc.${domain}`, value: 'v=DMARC1; p=none; adkim=r; aspf=r' },
    { type: 'PTR', name: reverseName(setting.relay.address), value: setting.relay.name },
  ];
}

/** The in-addr.arpa name of an IPv4 address (RFC 1035 §3.5). */
export function reverseName(address: string): string {
  return `${address.split('.').reverse().join('.')}.in-addr.arpa`;
}

export function normaliseName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

/** Whether `name` is the zone's domain or a name below it. */
export function inZone(domain: string, name: string): boolean {
  const key = normaliseName(name);
  return key === domain || key.endsWith(`.${domain}`);
}

/** The comment line that opens the MTA-STS policy in a zone file (a zone file has no place for a web server's file). */
const POLICY_MARK = '; MTA-STS policy served at ';

/**
 * The zone as standard zone-file lines (RFC 1035 §5.1): `name TTL IN TYPE value`. The MTA-STS
 * policy file follows as comment lines, so the file still loads anywhere and imports back whole.
 */
export function toZoneFile(zone: LearnerZone): string {
  const lines = zone.records.map((r) => `${r.name}. ${ZONE_TTL} IN ${r.type} ${r.type === 'TXT' ? quoteTxt(r.value) : r.type === 'A' ? r.value : `${r.value}.`}`);
  if (zone.mtaSts) lines.push(`${POLICY_MARK}${policyUrl(zone.domain)}`, ...policyText(zone.mtaSts).trimEnd().split('\r\n').map((line) => `;   ${line}`));
  return lines.join('\n') + '\n';
}

/**
 * Records read back from zone-file lines: one record a line, `name [TTL] [IN] TYPE value`, `;`
 * comments and blank lines skipped. A line that cannot be read is an error naming its number.
 * The policy comment block toZoneFile writes comes back as `mtaSts`; without one it stays undefined.
 */
export function fromZoneFile(text: string): { records: ZoneRecord[]; errors: ZoneError[]; mtaSts?: MtaStsPolicy } {
  const records: ZoneRecord[] = [];
  const errors: ZoneError[] = [];
  let policyLines: string[] | null = null;
  let inPolicy = false;
  text.split(/\r?\n/).forEach((line, number) => {
    // The block is the mark and the indented comment lines right after it.
    inPolicy = line.startsWith(POLICY_MARK) || (inPolicy && /^;\s+\S/.test(line));
    if (line.startsWith(POLICY_MARK)) policyLines = [];
    else if (inPolicy) policyLines?.push(line.replace(/^;\s+/, ''));
    const content = line.replace(/^\s*;.*$/, '').trim();
    if (!content) return;
    const match = /^(\S+)\s+(?:(\d+)\s+)?(?:IN\s+)?(A|MX|TXT|PTR)\s+(.+)$/i.exec(content);
    if (!match) {
      errors.push({ index: -1, record: null, reason: `Line ${number + 1} is not "name TTL IN TYPE value": ${content.slice(0, 80)}` });
      return;
    }
    const type = (match[3] ?? '').toUpperCase() as ZoneRecordType;
    const raw = (match[4] ?? '').trim();
    const value = type === 'TXT' ? unquoteTxt(raw) : type === 'A' ? raw : raw.replace(/\.$/, '');
    records.push({ type, name: normaliseName(match[1] ?? ''), value });
  });
  if (policyLines === null) return { records, errors };
  const policy = readPolicyFile((policyLines as string[]).join('\n'));
  if (!policy.ok) return { records, errors: [...errors, { index: -1, record: null, reason: policy.reason }] };
  return { records, errors, mtaSts: policy.policy };
}

/** A TXT value as character strings of at most 255 bytes each (RFC 1035 §3.3.14), quoted. */
function quoteTxt(value: string): string {
  const parts = value.match(/[\s\S]{1,255}/g) ?? [''];
  return parts.map((part) => `"${part.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(' ');
}

/** Quoted character strings joined, as a TXT record is read; an unquoted value as it is. */
function unquoteTxt(raw: string): string {
  const strings = [...raw.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? '').replace(/\\(.)/g, '$1'));
  return strings.length ? strings.join('') : raw;
}
