/**
 * MTA-STS (RFC 8461): a domain says, in a TXT record at `_mta-sts.<domain>` and a policy file its
 * web server serves at `https://mta-sts.<domain>/.well-known/mta-sts.txt`, that mail for it must
 * travel over TLS with a certificate the sender can verify, to the MX hosts the policy names.
 * Without STS a sender uses STARTTLS only when offered and falls back to plain text, which an
 * attacker who strips STARTTLS from the EHLO reply can force. Pure: the world serves the file, the
 * relay applies it.
 */
import type { LabDns } from './lab-dns';
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

/** Read a policy file; null when it is not a valid STSv1 policy (§3.2: then there is no policy). */
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

/** The file `https://mta-sts.<domain>/.well-known/mta-sts.txt` serves in the lab world, or null. */
export function servedPolicy(world: WorldDefinition, domain: string): string | null {
  const policy = world.domains.find((d) => d.name === domain.toLowerCase())?.mtaSts;
  return policy ? policyText(policy) : null;
}

/** A domain's policy as a sender finds it: the `_mta-sts` TXT record, then the served file; only enforce binds. */
export function enforcedPolicy(dns: LabDns, world: WorldDefinition, domain: string): MtaStsPolicy | null {
  if (!dns.resolveTxt(`_mta-sts.${domain}`).some((text) => text.startsWith('v=STSv1'))) return null;
  const served = servedPolicy(world, domain);
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
