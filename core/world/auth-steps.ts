/**
 * How each verdict of a lab MX was reached, step by step, for the message view: the SPF record
 * and the mechanism that matched, each DKIM signature's key lookup, body hash and signature, and
 * DMARC's alignments (the domains compared, relaxed and strict). The results themselves are
 * mailauth's; these pure helpers only name the steps it does not report.
 */
import { domainOf } from './lab-dns';
import type { AuthResult, DmarcPolicy } from './world-events';

/** One question the checking host asked the lab DNS, with what it heard. */
export interface DnsStep {
  type: string;
  name: string;
  /** The records, or the error (ENOTFOUND: no such name, ENODATA: no record of that type). */
  answer: string[] | string;
}

export interface SpfSteps {
  /** The domain checked: MAIL FROM's, or the HELO name for a bounce. */
  domain: string;
  record: string | null;
  /** The first mechanism that matched the sending address (its qualifier gives the result), or null. */
  matched: string | null;
  result: AuthResult;
  comment: string;
}

export interface DkimSteps {
  domain: string;
  selector: string;
  algorithm: string;
  /** Where the key was looked up: `<selector>._domainkey.<domain>`. */
  keyName: string;
  /** Whether the body hash in the signature (bh=) matched the body as it arrived. */
  bodyHashMatches: boolean;
  result: AuthResult;
  comment: string;
}

export interface Alignment {
  /** The domain SPF or DKIM vouched for, compared with the From: domain. */
  domain: string | null;
  /** Same name exactly. */
  strict: boolean;
  /** Same organisational domain (the name under the top-level one, in the lab). */
  relaxed: boolean;
  /** Which comparison the policy asks for (adkim=, aspf=). */
  mode: 'strict' | 'relaxed';
}

export interface DmarcSteps {
  fromDomain: string;
  record: string | null;
  policy: DmarcPolicy | null;
  spf: Alignment;
  dkim: Alignment;
  result: AuthResult;
}

export interface AuthSteps {
  lookups: DnsStep[];
  spf: SpfSteps | null;
  dkim: DkimSteps[];
  dmarc: DmarcSteps | null;
}

/** The organisational domain of a lab name: every lab domain sits directly under .test. */
export function organisationalDomain(name: string): string {
  return name.toLowerCase().split('.').slice(-2).join('.');
}

export function alignment(fromDomain: string, domain: string | null, mode: 'strict' | 'relaxed'): Alignment {
  const strict = !!domain && domain.toLowerCase() === fromDomain.toLowerCase();
  const relaxed = !!domain && organisationalDomain(domain) === organisationalDomain(fromDomain);
  return { domain, strict, relaxed, mode };
}

export interface SpfDns {
  resolveTxt(name: string): string[];
  resolveA(name: string): string[];
  resolveMx(name: string): { candidates: Array<{ address: string | null }> };
}

/**
 * The first mechanism of an SPF record that matches `ip`, following includes (RFC 7208 §5). Only
 * the mechanisms the lab's records use are evaluated (all, ip4, a, mx, include); for any other
 * the answer is null, and the view shows mailauth's result without naming a mechanism.
 */
export function matchedMechanism(record: string, domain: string, ip: string, dns: SpfDns, depth = 0): string | null {
  if (depth > 10) return null;
  for (const term of record.trim().split(/\s+/).slice(1)) {
    const bare = term.replace(/^[+\-~?]/, '').toLowerCase();
    const colon = bare.indexOf(':');
    const name = (colon === -1 ? bare : bare.slice(0, colon)).split('/')[0] ?? '';
    const argument = colon === -1 ? undefined : bare.slice(colon + 1);
    const target = argument ?? domain;
    switch (name) {
      case 'all':
        return term;
      case 'ip4':
        if (argument && inCidr(ip, argument)) return term;
        break;
      case 'a':
        if (dns.resolveA(target.split('/')[0] ?? target).some((a) => inCidr(ip, withPrefix(a, target)))) return term;
        break;
      case 'mx':
        if (dns.resolveMx(target.split('/')[0] ?? target).candidates.some((c) => c.address && inCidr(ip, withPrefix(c.address, target)))) return term;
        break;
      case 'include': {
        const included = dns.resolveTxt(target).find((t) => /^v=spf1(\s|$)/i.test(t));
        const inner = included ? matchedMechanism(included, target, ip, dns, depth + 1) : null;
        // An include matches when the included record passes (RFC 7208 §5.2).
        if (inner && !/^[-~?]/.test(inner)) return `${term} (matched ${inner} in ${target})`;
        break;
      }
      case 'ip6':
        break;
      default:
        if (bare.includes('=')) break; // a modifier
        return null;
    }
  }
  return null;
}

function withPrefix(address: string, spec: string): string {
  const prefix = spec.split('/')[1];
  return prefix ? `${address}/${prefix}` : address;
}

function inCidr(ip: string, cidr: string): boolean {
  const [network = '', bits = '32'] = cidr.split('/');
  const a = ipv4(ip);
  const b = ipv4(network);
  if (a === null || b === null) return false;
  const prefix = Number(bits);
  if (!(prefix >= 0 && prefix <= 32)) return false;
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

function ipv4(text: string): number | null {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) return null;
  return parts.reduce((n, p) => n * 256 + p, 0) >>> 0;
}

/** The domain SPF checks: MAIL FROM's, or the HELO name when MAIL FROM is empty (RFC 7208 §2.4). */
export function spfDomain(sender: string, helo: string): string {
  return sender ? domainOf(sender) : helo.toLowerCase();
}
