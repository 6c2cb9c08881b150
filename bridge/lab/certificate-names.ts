/**
 * The names the lab CA may vouch for, and the names its server certificate carries. A learner who
 * trusts the CA trusts whoever holds its key (anyone who can read the state directory): its name
 * constraints keep that trust to the lab's own names, never a bank's or a mail provider's.
 */
import { isIP } from 'node:net';

/** Names the server certificate always covers: what learners and tests connect to. */
export const SERVER_NAMES = ['localhost', 'lab.test', 'smtp.lab.test'] as const;
export const SERVER_IPS = ['127.0.0.1'] as const;

/** Addresses that mean "every interface": nobody connects to them. */
const WILDCARDS = ['0.0.0.0', '::', ''];

export interface CertificateNamesOptions {
  /** The address the bridge listens on (--host). */
  host?: string | undefined;
  /** The name outside clients use for the SMTP ports (--public-host). */
  publicHost?: string | undefined;
}

export interface LabNames {
  /** dNSName subtrees: each permits the name and every name below it (RFC 5280, 4.2.1.10). */
  dns: string[];
  /** iPAddress subtrees as address/prefix. */
  ips: string[];
}

const isLoopbackIp = (ip: string) => ip === '::1' || /^127\./.test(ip);
const withinDns = (name: string, subtrees: readonly string[]) => subtrees.some((tree) => name === tree || name.endsWith(`.${tree}`));

/** The lab's own names: the reserved .test domain, loopback, the bound address and the public host. */
function ownNames({ host, publicHost }: CertificateNamesOptions): { dns: string[]; ips: string[] } {
  const dns: string[] = [];
  const ips: string[] = [];
  for (const name of [host, publicHost]) {
    const value = name?.trim().toLowerCase().replace(/^\[|\]$/g, '');
    if (!value || WILDCARDS.includes(value)) continue;
    if (isIP(value) === 6) ips.push(new URL(`http://[${value}]/`).hostname.slice(1, -1)); // one spelling: ::1, not 0:0::1
    else if (isIP(value)) ips.push(value);
    else dns.push(value.replace(/\.$/, ''));
  }
  return { dns, ips };
}

/** What the CA's critical name constraints permit. */
export function permittedNames(options: CertificateNamesOptions): LabNames {
  const own = ownNames(options);
  const dns = ['test', 'localhost'];
  for (const name of own.dns) if (!withinDns(name, dns)) dns.push(name);
  const ips = ['127.0.0.0/8', '::1/128'];
  for (const ip of own.ips) {
    const subtree = `${ip}/${isIP(ip) === 4 ? 32 : 128}`;
    if (!isLoopbackIp(ip) && !ips.includes(subtree)) ips.push(subtree);
  }
  return { dns, ips };
}

/** What the server certificate names: the fixed lab names plus the bound address and the public host. */
export function serverNames(options: CertificateNamesOptions): { dns: string[]; ips: string[] } {
  const own = ownNames(options);
  const dns: string[] = [...SERVER_NAMES];
  for (const name of own.dns) if (!dns.includes(name)) dns.push(name);
  const ips: string[] = [...SERVER_IPS];
  for (const ip of own.ips) if (!ips.includes(ip)) ips.push(ip);
  return { dns, ips };
}
