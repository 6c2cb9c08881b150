/**
 * MTA-STS (RFC 8461): a domain says, in a TXT record at `_mta-sts.<domain>` and a policy file its
 * web server serves at `https://mta-sts.<domain>/.well-known/mta-sts.txt`, that mail for it must
 * travel over TLS with a certificate the sender can verify, to the MX hosts the policy names.
 * Without STS a sender uses STARTTLS only when offered and falls back to plain text, which an
 * attacker who strips STARTTLS from the EHLO reply can force. Pure: the world serves the file, the
 * relay applies it.
 */
import type { LabDns } from './lab-dns';
import type { LearnerZone } from './learner-zone';
import type { MtaStsPolicy, WorldDefinition } from './world-types';

/** The TXT record that announces a policy; a new `id` tells senders to fetch it again (§3.1). */
export function mtaStsRecord(domain: string, id: string): { name: string; text: string } {
  return { name: `_mta-sts.${domain}`, text: `v=STSv1; id=${id};` };
}

/** Where a sender fetches the policy (§3.2). */
export function policyUrl(domain: string): string {
  return `https://mta-sts.${domain}/.well-known/mta-sts.txt`;
}

/** The policy file as the domain's web server serves it: "key: value" lines with CRLF (§3.2). */
export function policyText(policy: MtaStsPolicy): string {
  const lines = ['version: STSv1', `mode: ${policy.mode}`, ...policy.mx.map((mx) => `mx: ${mx}`), `max_age: ${policy.maxAge}`];
  return `${lines.join('\r\n')}\r\n`;
}

/** Read a policy file; null when it is not a valid STSv1 policy (§3.3: a sender then goes on as if there were none). */
export function parsePolicy(text: string): MtaStsPolicy | null {
  const fields = text
    .split(/\r?\n/)
    .map((line) => /^([A-Za-z0-9_]+):\s*(.*?)\s*$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => [match[1] ?? '', match[2] ?? ''] as const);
  const value = (key: string) => fields.find(([k]) => k === key)?.[1];
  const mode = value('mode');
  const maxAge = Number(value('max_age'));
  if (value('version') !== 'STSv1' || (mode !== 'enforce' && mode !== 'testing' && mode !== 'none') || !Number.isInteger(maxAge)) return null;
  return { mode, mx: fields.filter(([k]) => k === 'mx').map(([, v]) => v.toLowerCase()), maxAge };
}

/**
 * The file `https://mta-sts.<domain>/.well-known/mta-sts.txt` serves in the lab world, or null.
 * The learner's domain serves the policy of the learner's zone.
 */
export function servedPolicy(world: WorldDefinition, domain: string, zone: LearnerZone | null = null): string | null {
  const name = domain.toLowerCase();
  const policy = zone?.domain === name ? zone.mtaSts : world.domains.find((d) => d.name === name)?.mtaSts;
  return policy ? policyText(policy) : null;
}

/** A domain's policy as a sender finds it: the `_mta-sts` TXT record, then the served file; only enforce binds. */
export function enforcedPolicy(dns: LabDns, world: WorldDefinition, domain: string, zone: LearnerZone | null = null): MtaStsPolicy | null {
  if (!dns.resolveTxt(`_mta-sts.${domain}`).some((text) => text.startsWith('v=STSv1'))) return null;
  const served = servedPolicy(world, domain, zone);
  const policy = served ? parsePolicy(served) : null;
  return policy?.mode === 'enforce' ? policy : null;
}

/** An MX host matches a policy's `mx` pattern exactly, or a "*." pattern by one leftmost label (§4.1). */
export function mxMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!p.startsWith('*.')) return p === h;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === p.slice(2);
}

/** Why an enforced policy keeps the relay from delivering to `host` (RFC 8461 §5), in the words the journey shows. */
export function mtaStsRefusal(domain: string, host: string, why: string): string {
  return `MTA-STS: ${domain} publishes a policy in enforce mode, so the relay delivers to ${host} only over verified TLS (RFC 8461 §5); ${why}. Not delivered to this host.`;
}

/** RFC 8461 §3.2: a policy's max_age is at most 31557600 seconds (about a year). */
export const MAX_STS_MAX_AGE = 31_557_600;
/** The most `mx` lines a learner's policy may hold: enough for every host of the lab world. */
export const MAX_POLICY_MX = 10;
const STS_MODES = ['enforce', 'testing', 'none'] as const;
/** A host name, or `*.` and a host name (RFC 8461 §3.2; §4.1: a wildcard covers one leftmost label). */
const MX_PATTERN = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** What is wrong with an `_mta-sts` TXT record (RFC 8461 §3.1), or null: `v=STSv1` first, then `id=` of 1–32 letters and digits. */
export function mtaStsRecordProblem(value: string): string | null {
  const fields = value.split(';').map((part) => part.trim()).filter(Boolean);
  if (fields[0] !== 'v=STSv1') return 'An MTA-STS record starts with v=STSv1 (RFC 8461 §3.1)';
  const id = fields.find((field) => /^id\s*=/.test(field))?.replace(/^id\s*=\s*/, '');
  if (id === undefined) return 'An MTA-STS record needs id= (1 to 32 letters and digits): senders fetch the policy again when it changes (RFC 8461 §3.1)';
  if (!/^[A-Za-z0-9]{1,32}$/.test(id)) return `id=${id}: an MTA-STS id is 1 to 32 letters and digits (RFC 8461 §3.1)`;
  return null;
}

/**
 * A policy as the learner wrote it, checked: known mode, MX patterns, a max_age in range. Returns
 * the policy with its names lower-cased, or the first reason it cannot be served.
 */
export function checkPolicy(input: unknown): { ok: true; policy: MtaStsPolicy } | { ok: false; reason: string } {
  const fail = (reason: string) => ({ ok: false as const, reason: `MTA-STS policy: ${reason}` });
  if (typeof input !== 'object' || input === null) return fail('send { mode, mx, maxAge }, or null for no policy');
  const { mode, mx, maxAge } = input as Record<string, unknown>;
  if (typeof mode !== 'string' || !(STS_MODES as readonly string[]).includes(mode)) return fail(`mode "${String(mode)}" is not a mode: enforce, testing or none (RFC 8461 §3.2)`);
  if (!Array.isArray(mx) || mx.some((entry) => typeof entry !== 'string')) return fail('mx is a list of host names, e.g. ["mx.lab.test"]');
  const patterns = (mx as string[]).map((entry) => entry.trim().toLowerCase().replace(/\.$/, ''));
  if (patterns.length > MAX_POLICY_MX) return fail(`${patterns.length} mx lines; at most ${MAX_POLICY_MX}`);
  const bad = patterns.find((pattern) => !MX_PATTERN.test(pattern));
  if (bad !== undefined) return fail(`mx: "${bad}" is not a host name or a "*." pattern`);
  if (mode !== 'none' && patterns.length === 0) return fail(`mode ${mode} needs at least one mx line naming the hosts that take your mail (RFC 8461 §3.2)`);
  if (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 0 || maxAge > MAX_STS_MAX_AGE) return fail(`max_age ${String(maxAge)} is not a whole number of seconds from 0 to ${MAX_STS_MAX_AGE} (RFC 8461 §3.2)`);
  return { ok: true, policy: { mode: mode as MtaStsPolicy['mode'], mx: patterns, maxAge } };
}

/**
 * The policy file as the learner typed it ("key: value" lines), read with a reason for what it
 * cannot read: unlike parsePolicy, which a sender uses and which only says "no policy".
 */
export function readPolicyFile(text: string): { ok: true; policy: MtaStsPolicy } | { ok: false; reason: string } {
  const fields: Array<[string, string]> = [];
  for (const [number, line] of text.split(/\r?\n/).entries()) {
    if (!line.trim()) continue;
    const match = /^([A-Za-z0-9_]+):\s*(.*?)\s*$/.exec(line.trim());
    if (!match) return { ok: false, reason: `MTA-STS policy: line ${number + 1} is not "key: value": ${line.trim().slice(0, 60)}` };
    fields.push([match[1] ?? '', match[2] ?? '']);
  }
  const value = (key: string) => fields.find(([k]) => k === key)?.[1];
  if (value('version') !== 'STSv1') return { ok: false, reason: 'MTA-STS policy: a policy needs the line version: STSv1 (RFC 8461 §3.2)' };
  const age = value('max_age');
  return checkPolicy({ mode: value('mode') ?? '(missing)', mx: fields.filter(([k]) => k === 'mx').map(([, v]) => v), maxAge: age !== undefined && /^\d{1,10}$/.test(age) ? Number(age) : (age ?? '(missing)') });
}
