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
  /** The record evaluated term by term, with each lookup (absent in checks recorded before it was). */
  terms?: SpfTermStep[];
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
  resolveMx(name: string): { kind: string; candidates: Array<{ exchange: string; address: string | null }> };
}

/** One term of an SPF record as the evaluation met it, with the DNS questions it asked. */
export interface SpfTermStep {
  term: string;
  /** False for the terms after the one that matched: evaluation stops at the first match (RFC 7208 §4.6.2). */
  reached: boolean;
  matched: boolean;
  /** Each lookup this term made, in order (a, mx, include, redirect; ip4, ip6 and all ask nothing). */
  lookups: DnsStep[];
  /** An include's or a redirect's record, evaluated term by term. */
  inner?: SpfEvaluation;
  /** Why the term decided nothing, when that is not plain (a mechanism the lab's view does not evaluate). */
  note?: string;
}

export interface SpfEvaluation {
  domain: string;
  record: string | null;
  terms: SpfTermStep[];
  /** The mechanism that decided (an include names the one that matched inside it), or null. */
  matched: string | null;
}

/**
 * Terms written down per check, over every include: an auth event travels to each page of the
 * lab and hundreds are kept, so a long chain of includes cannot swell it. Past it the terms are
 * still evaluated, only no longer listed.
 */
export const MAX_SPF_TERM_STEPS = 40;
/** How deep includes and redirects are followed: RFC 7208 §4.6.4 allows 10 lookups in all. */
const MAX_SPF_DEPTH = 10;

const SPF_VERSION = /^v=spf1(\s|$)/i;

/**
 * An SPF record evaluated for `ip` term by term, as RFC 7208 §4.6 and §5 describe it, with each
 * DNS lookup a term made and the first one that matched. Only the mechanisms the lab's records
 * use are evaluated (all, ip4, ip6, a, mx, include, and the redirect modifier); at any other the
 * walk stops without a match, and the view shows mailauth's result without naming a mechanism.
 */
export function evaluateSpf(record: string, domain: string, ip: string, dns: SpfDns): SpfEvaluation {
  const budget = { left: MAX_SPF_TERM_STEPS };
  return evaluateRecord(record, domain, ip, dns, 0, budget);
}

/** The first mechanism of an SPF record that matches `ip` (see `evaluateSpf`), or null. */
export function matchedMechanism(record: string, domain: string, ip: string, dns: SpfDns): string | null {
  return evaluateSpf(record, domain, ip, dns).matched;
}

function evaluateRecord(record: string, domain: string, ip: string, dns: SpfDns, depth: number, budget: { left: number }): SpfEvaluation {
  const terms: SpfTermStep[] = [];
  const note = (step: SpfTermStep) => {
    if (budget.left > 0) terms.push(step);
    budget.left--;
  };
  let matched: string | null = null;
  let stopped = false;
  let redirect: string | null = null;
  for (const term of record.trim().split(/\s+/).slice(1)) {
    if (matched !== null || stopped) {
      note({ term, reached: false, matched: false, lookups: [] });
      continue;
    }
    const bare = term.replace(/^[+\-~?]/, '').toLowerCase();
    if (/^redirect=/.test(bare)) {
      // A redirect applies only when no mechanism matched (RFC 7208 §6.1): taken after the walk.
      redirect = bare.slice('redirect='.length);
      continue;
    }
    const colon = bare.indexOf(':');
    const name = (colon === -1 ? bare : bare.slice(0, colon)).split('/')[0] ?? '';
    const argument = colon === -1 ? undefined : bare.slice(colon + 1);
    const target = (argument ?? domain).split('/')[0] ?? domain;
    const step: SpfTermStep = { term, reached: true, matched: false, lookups: [] };
    switch (name) {
      case 'all':
        step.matched = true;
        break;
      case 'ip4':
        step.matched = !!argument && inCidr(ip, argument);
        break;
      case 'ip6':
        step.note = 'an IPv6 range: the lab sends over IPv4';
        break;
      case 'a': {
        const addresses = dns.resolveA(target);
        step.lookups.push({ type: 'A', name: target, answer: addresses.length ? addresses : 'no A record' });
        step.matched = addresses.some((a) => inCidr(ip, withPrefix(a, bare)));
        break;
      }
      case 'mx': {
        // No MX records means no match: mx does not fall back to the A record (RFC 7208 §5.4).
        const mx = dns.resolveMx(target);
        const hosts = mx.kind === 'mx' ? mx.candidates : [];
        step.lookups.push({ type: 'MX', name: target, answer: hosts.length ? hosts.map((c) => c.exchange) : 'no MX record' });
        for (const host of hosts) step.lookups.push({ type: 'A', name: host.exchange, answer: host.address ? [host.address] : 'no A record' });
        step.matched = hosts.some((c) => c.address !== null && inCidr(ip, withPrefix(c.address, bare)));
        break;
      }
      case 'include': {
        const found = spfRecordAt(target, dns, step);
        if (found && depth < MAX_SPF_DEPTH) {
          step.inner = evaluateRecord(found, target, ip, dns, depth + 1, budget);
          // An include matches when the included record passes (RFC 7208 §5.2): a match by -all, ~all or ?all does not.
          step.matched = step.inner.matched !== null && !/^[-~?]/.test(step.inner.matched);
        } else if (!found) step.note = `${target} publishes no SPF record (permerror, RFC 7208 §5.2)`;
        break;
      }
      default:
        if (bare.includes('=')) continue; // another modifier (exp=, ...): it decides nothing
        step.note = 'the lab’s view does not evaluate this mechanism: mailauth’s result stands';
        stopped = true;
    }
    note(step);
    if (step.matched) matched = name === 'include' && step.inner?.matched ? `${term} (matched ${step.inner.matched} in ${target})` : term;
  }
  if (matched === null && !stopped && redirect && depth < MAX_SPF_DEPTH) {
    const step: SpfTermStep = { term: `redirect=${redirect}`, reached: true, matched: false, lookups: [] };
    const found = spfRecordAt(redirect, dns, step);
    if (found) {
      step.inner = evaluateRecord(found, redirect, ip, dns, depth + 1, budget);
      // Unlike an include, the redirected record's result is the result, whichever qualifier matched.
      step.matched = step.inner.matched !== null;
      if (step.matched) matched = `redirect=${redirect} (matched ${step.inner.matched} in ${redirect})`;
    }
    note(step);
  }
  return { domain, record, terms, matched };
}

function spfRecordAt(name: string, dns: SpfDns, step: SpfTermStep): string | null {
  const txt = dns.resolveTxt(name);
  step.lookups.push({ type: 'TXT', name, answer: txt.length ? txt : 'no TXT record' });
  return txt.find((t) => SPF_VERSION.test(t)) ?? null;
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
