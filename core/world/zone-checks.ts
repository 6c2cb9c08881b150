/**
 * What the lab refuses in the learner's zone before it is published, each with the record and the
 * reason: the mistakes a receiver would otherwise answer with permerror, or silently ignore.
 * SPF (RFC 7208), DMARC (RFC 7489) and DKIM key records (RFC 6376 §3.6.1, RFC 8463).
 */
import { decodeBase64Bytes } from '../smtp/base64';
import { z } from 'zod';
import { checkPolicy, mtaStsRecordProblem, readPolicyFile } from './mta-sts';
import type { MtaStsPolicy } from './world-types';
import { inZone, MAX_ZONE_RECORDS, normaliseName, reverseName, ZONE_RECORD_TYPES, type ZoneError, type ZoneRecord, type ZoneSetting } from './learner-zone';

/** RFC 7208 §4.6.4: an SPF check may cause at most ten DNS lookups. */
export const MAX_SPF_LOOKUPS = 10;
const SPF_MECHANISMS = new Set(['all', 'include', 'a', 'mx', 'ptr', 'ip4', 'ip6', 'exists']);
const SPF_LOOKUP_TERMS = new Set(['include', 'a', 'mx', 'ptr', 'exists', 'redirect']);
const DMARC_TAGS = new Set(['v', 'p', 'sp', 'np', 'adkim', 'aspf', 'pct', 'rua', 'ruf', 'fo', 'rf', 'ri']);
const DMARC_POLICIES = new Set(['none', 'quarantine', 'reject']);
const DKIM_TAGS = new Set(['v', 'k', 'p', 'h', 's', 't', 'n', 'g']);
/** The DER of the rsaEncryption object identifier (1.2.840.113549.1.1.1). */
const RSA_OID = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*$/;

export const zoneRecordSchema = z.object({
  type: z.enum(ZONE_RECORD_TYPES),
  name: z.string().min(1).max(253),
  // A DKIM RSA-2048 key is about 400 characters; several character strings may be joined.
  value: z.string().max(2048),
});
export const zoneRecordsSchema = z.object({ records: z.array(zoneRecordSchema).max(MAX_ZONE_RECORDS) });

export interface ZoneCheckContext {
  domain: string;
  setting: ZoneSetting;
  /** TXT records at a name outside the zone (the rest of the lab DNS), for SPF includes. */
  outsideTxt(name: string): string[];
  /** The policy served now, which a change that leaves `mtaSts` out keeps. */
  mtaSts?: MtaStsPolicy | null;
}

/** `mtaSts` undefined: the change left the policy out, and it stays as it is. */
export type ZoneCheck = { ok: true; records: ZoneRecord[]; mtaSts?: MtaStsPolicy | null } | { ok: false; errors: ZoneError[] };

/** The whole set, checked: accepted as one, or refused as one with every bad record and why. */
export function checkZone(input: unknown, context: ZoneCheckContext): ZoneCheck {
  const parsed = zoneRecordsSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.slice(0, 20).map((issue) => {
        const index = issue.path[1];
        const where = issue.path.slice(2).join('.') || issue.path.join('.');
        return { index: typeof index === 'number' ? index : -1, record: null, reason: `${where ? `${where}: ` : ''}${issue.message}` };
      }),
    };
  }
  const records = parsed.data.records.map((r) => ({ type: r.type, name: normaliseName(r.name), value: r.value.trim() }));
  const errors: ZoneError[] = [];
  const sent = (input as { mtaSts?: unknown }).mtaSts;
  // The policy as an object, or as the file's text (the zone editor sends what the learner typed).
  const policy = sent === undefined || sent === null ? null : typeof sent === 'string' ? readPolicyFile(sent) : checkPolicy(sent);
  if (policy && !policy.ok) errors.push({ index: -1, record: null, reason: policy.reason });
  const served = sent === undefined ? (context.mtaSts ?? null) : policy?.ok ? policy.policy : null;
  const txtAt = (name: string) => (inZone(context.domain, name) ? records.filter((r) => r.type === 'TXT' && r.name === normaliseName(name)).map((r) => r.value) : context.outsideTxt(name));
  records.forEach((record, index) => {
    const reason = recordProblem(record, records, context, txtAt) ?? (record.type === 'TXT' ? stsAnnouncementProblem(record, records, context.domain, served, policy !== null && !policy.ok) : null);
    if (reason) errors.push({ index, record, reason });
  });
  if (errors.length) return { ok: false, errors };
  return sent === undefined ? { ok: true, records } : { ok: true, records, mtaSts: served };
}

/** The `_mta-sts` record: well formed, one of its kind, and announcing a policy the lab serves (RFC 8461 §3.1). */
function stsAnnouncementProblem(record: ZoneRecord, all: ZoneRecord[], domain: string, served: MtaStsPolicy | null, policyRefused: boolean): string | null {
  if (record.name !== `_mta-sts.${domain}`) return null;
  const problem = mtaStsRecordProblem(record.value);
  if (problem) return problem;
  const twins = all.filter((r) => r.type === 'TXT' && r.name === record.name && r.value.startsWith('v=STSv1')).length;
  if (twins > 1) return `${record.name} has ${twins} MTA-STS records: senders then act as if there were none (RFC 8461 §3.1); keep one`;
  if (!served && !policyRefused) return `This record announces an MTA-STS policy, but your domain serves none: write the policy file too (mode, mx, max_age)`;
  return null;
}

function recordProblem(record: ZoneRecord, all: ZoneRecord[], context: ZoneCheckContext, txtAt: (name: string) => string[]): string | null {
  const { domain, setting } = context;
  if (record.type === 'PTR') {
    const own = reverseName(setting.relay.address);
    if (record.name !== own) return `A PTR record here may only name the lab's sending host's address, ${own}`;
    return HOST_NAME.test(normaliseName(record.value)) ? null : `"${record.value}" is not a host name`;
  }
  if (!inZone(domain, record.name)) return `${record.name} is outside your domain ${domain}`;
  switch (record.type) {
    case 'A':
      return IPV4.test(record.value) ? null : `"${record.value}" is not an IPv4 address`;
    case 'MX': {
      const match = /^(\d{1,5})\s+(\S+)$/.exec(record.value);
      if (!match || Number(match[1]) > 65535) return 'An MX value is a preference and a host, e.g. "10 mx.lab.test"';
      const exchange = normaliseName(match[2] ?? '');
      return exchange === '' || HOST_NAME.test(exchange) ? null : `"${match[2]}" is not a host name`;
    }
    case 'TXT':
      return txtProblem(record, all, txtAt);
  }
}

function txtProblem(record: ZoneRecord, all: ZoneRecord[], txtAt: (name: string) => string[]): string | null {
  if (/^v=spf1(\s|$)/i.test(record.value)) {
    const twins = all.filter((r) => r.type === 'TXT' && r.name === record.name && /^v=spf1(\s|$)/i.test(r.value)).length;
    // RFC 7208 §4.5: two SPF records at one name make every check a permerror.
    if (twins > 1) return `${record.name} has ${twins} SPF records (v=spf1): a receiver answers permerror; keep one`;
    return spfProblem(record.value, txtAt);
  }
  if (record.name.startsWith('_dmarc.')) return dmarcProblem(record.value);
  if (record.name.includes('._domainkey.')) return dkimProblem(record.value);
  return null;
}

/** An SPF record's terms, its unknown mechanisms and its DNS lookups (includes followed). */
export function spfProblem(value: string, txtAt: (name: string) => string[]): string | null {
  const terms = value.trim().split(/\s+/).slice(1);
  for (const term of terms) {
    const bare = term.replace(/^[+\-~?]/, '');
    const name = (/^[a-z][a-z0-9_.-]*/i.exec(bare)?.[0] ?? '').toLowerCase();
    if (bare.includes('=') && !bare.includes(':') && /^[a-z][a-z0-9_.-]*=/i.test(bare)) continue; // a modifier
    if (!SPF_MECHANISMS.has(name)) return `"${term}" is not an SPF mechanism (all, include, a, mx, ptr, ip4, ip6, exists)`;
    if (name === 'ip4' && !validIp4(bare.slice(4))) return `"${term}" needs an IPv4 address, e.g. ip4:192.0.2.10`;
    if (name === 'include' && !/^include:\S+$/i.test(bare)) return `"${term}" needs a domain, e.g. include:lab.test`;
  }
  const lookups = spfLookups(value, txtAt, 0, new Set());
  if (lookups > MAX_SPF_LOOKUPS) return `This SPF record needs ${lookups} DNS lookups (includes followed); receivers stop at ${MAX_SPF_LOOKUPS} and answer permerror (RFC 7208 §4.6.4)`;
  return null;
}

function spfLookups(value: string, txtAt: (name: string) => string[], depth: number, seen: Set<string>): number {
  let count = 0;
  for (const term of value.trim().split(/\s+/).slice(1)) {
    const bare = term.replace(/^[+\-~?]/, '').toLowerCase();
    const name = /^[a-z]+/.exec(bare)?.[0] ?? '';
    if (!SPF_LOOKUP_TERMS.has(name)) continue;
    count += 1;
    const target = name === 'include' ? bare.slice('include:'.length) : name === 'redirect' ? bare.slice('redirect='.length) : null;
    if (!target || depth > MAX_SPF_LOOKUPS || seen.has(target)) continue;
    seen.add(target);
    const spf = txtAt(target).find((t) => /^v=spf1(\s|$)/i.test(t));
    if (spf) count += spfLookups(spf, txtAt, depth + 1, seen);
  }
  return count;
}

/** `192.0.2.10` or `192.0.2.0/24`. */
function validIp4(value: string): boolean {
  const [address = '', prefix, ...rest] = value.split('/');
  return rest.length === 0 && IPV4.test(address) && (prefix === undefined || (/^\d{1,2}$/.test(prefix) && Number(prefix) <= 32));
}

/** A DMARC record (RFC 7489 §6.3): v=DMARC1 first, known tags only, p= one of the three policies. */
export function dmarcProblem(value: string): string | null {
  const tags = tagList(value);
  if (tags[0]?.[0] !== 'v' || tags[0][1] !== 'DMARC1') return 'A DMARC record starts with v=DMARC1';
  for (const [tag, tagValue] of tags) {
    if (!DMARC_TAGS.has(tag)) return `"${tag}" is not a DMARC tag (v, p, sp, adkim, aspf, pct, rua, ruf, fo, rf, ri)`;
    if ((tag === 'p' || tag === 'sp' || tag === 'np') && !DMARC_POLICIES.has(tagValue)) return `${tag}=${tagValue} is not a policy: none, quarantine or reject`;
    if ((tag === 'adkim' || tag === 'aspf') && tagValue !== 'r' && tagValue !== 's') return `${tag}=${tagValue}: alignment is r (relaxed) or s (strict)`;
    if (tag === 'pct' && !(/^\d{1,3}$/.test(tagValue) && Number(tagValue) <= 100)) return `pct=${tagValue} is not a percentage 0–100`;
  }
  if (!tags.some(([tag]) => tag === 'p')) return 'A DMARC record needs a policy: p=none, p=quarantine or p=reject';
  return null;
}

/** A DKIM key record: known tags, k= rsa or ed25519, and a p= that parses as such a key. */
export function dkimProblem(value: string): string | null {
  const tags = tagList(value);
  for (const [tag] of tags) if (!DKIM_TAGS.has(tag)) return `"${tag}" is not a DKIM key tag (v, k, p, h, s, t, n, g)`;
  const get = (name: string) => tags.find(([tag]) => tag === name)?.[1];
  const v = get('v');
  if (v !== undefined && v !== 'DKIM1') return `v=${v}: a DKIM key record says v=DKIM1`;
  const k = get('k') ?? 'rsa';
  if (k !== 'rsa' && k !== 'ed25519') return `k=${k}: the key type is rsa or ed25519`;
  const p = get('p');
  if (p === undefined) return 'A DKIM key record needs p= (the public key; empty means revoked)';
  if (p === '') return null;
  const bytes = decodeBase64Bytes(p.replace(/\s+/g, ''));
  if (!bytes) return 'p= is not valid base64, so the key does not parse';
  if (k === 'ed25519') return bytes.length === 32 ? null : `p= holds ${bytes.length} bytes; an Ed25519 key is 32 (RFC 8463)`;
  return rsaKeyProblem(bytes);
}

/** A DER SubjectPublicKeyInfo with the rsaEncryption algorithm, read far enough to trust its shape. */
function rsaKeyProblem(bytes: number[]): string | null {
  const outer = derLength(bytes, 0);
  if (bytes[0] !== 0x30 || !outer || outer.end !== bytes.length) return 'p= does not parse as an RSA public key (not a DER SubjectPublicKeyInfo)';
  const at = bytes.findIndex((_, i) => RSA_OID.every((b, j) => bytes[i + j] === b));
  if (at === -1 || at > 8) return 'p= is not an RSA key (no rsaEncryption algorithm)';
  if (bytes.length < 150) return 'p= is too short for an RSA key of at least 1024 bits';
  return null;
}

/** The end of the DER element at `offset`, or null when its length does not fit. */
function derLength(bytes: number[], offset: number): { end: number } | null {
  const first = bytes[offset + 1];
  if (first === undefined) return null;
  if (first < 0x80) return { end: offset + 2 + first };
  const count = first & 0x7f;
  if (count === 0 || count > 3) return null;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + (bytes[offset + 2 + i] ?? 0);
  return { end: offset + 2 + count + length };
}

/** `tag=value; tag=value` as pairs, trimmed (RFC 6376 §3.2). */
function tagList(value: string): Array<[string, string]> {
  return value
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const eq = part.indexOf('=');
      return eq === -1 ? [part.toLowerCase(), ''] : [part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim()];
    });
}
