/**
 * Who is the sender, on the bridge: the relay signs lab.test's mail with DKIM, and every lab MX
 * checks SPF, DKIM and DMARC with mailauth, which asks the lab DNS (never the machine's resolver)
 * for every TXT, MX and A record. What the results mean is decided in core/world/mail-auth-policy.
 */
import { generateKeyPair, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { authenticate, dkimSign, sealMessage } from './mailauth-loader';
import { ARC_OVERRIDE_HEADER, arcOverrides, DKIM_SELECTOR, dkimKeyRecord, dmarcVerdict, readPolicy } from '../../core/world/mail-auth-policy';
import { domainOf, type LabDns } from '../../core/world/lab-dns';
import type { ArcCheck, AuthCheck, AuthResult, DmarcPolicy } from '../../core/world/world-events';
import { alignment, evaluateSpf, spfDomain, type AuthSteps, type DnsStep } from '../../core/world/auth-steps';
import type { TxtRecord } from '../../core/world/world-types';
import type { QueueEntry } from './queue';

export interface DkimKey {
  domain: string;
  selector: string;
  /** PKCS#8 PEM. */
  privateKeyPem: string;
  /** Absent: ed25519, the relay's own key. */
  algorithm?: 'ed25519' | 'rsa';
  /** The record to publish at `<selector>._domainkey.<domain>`. */
  record: TxtRecord;
}

/**
 * A fresh Ed25519 key (RFC 8463) per world: made in well under a millisecond, and its public key
 * is short enough to read in the world page. A lab that restarts publishes its new key at once,
 * so nothing needs to be kept on disk.
 */
export function createDkimKey(domain: string, selector = DKIM_SELECTOR): DkimKey {
  return dkimKeyOf(domain, selector, 'ed25519', generateKeyPairSync('ed25519'));
}

/**
 * A key the learner asked for: Ed25519 (RFC 8463) or RSA 2048, made off the event loop (an RSA
 * key takes a tenth of a second or more). The private key stays on the bridge.
 */
export async function makeDkimKey(domain: string, selector: string, algorithm: 'ed25519' | 'rsa'): Promise<DkimKey> {
  return dkimKeyOf(domain, selector, algorithm, await generatePair(algorithm));
}

function generatePair(algorithm: 'ed25519' | 'rsa'): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, publicKey: KeyObject, privateKey: KeyObject) => (error ? reject(error) : resolve({ publicKey, privateKey }));
    if (algorithm === 'rsa') generateKeyPair('rsa', { modulusLength: 2048 }, done);
    else generateKeyPair('ed25519', {}, done);
  });
}

function dkimKeyOf(domain: string, selector: string, algorithm: 'ed25519' | 'rsa', pair: { publicKey: KeyObject; privateKey: KeyObject }): DkimKey {
  const spki = pair.publicKey.export({ format: 'der', type: 'spki' });
  // An Ed25519 record carries the raw 32-byte key (the end of its SPKI encoding); RSA the whole SPKI.
  const published = algorithm === 'ed25519' ? spki.subarray(-32) : spki;
  return {
    domain,
    selector,
    algorithm,
    privateKeyPem: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    record: dkimKeyRecord(domain, selector, algorithm, published.toString('base64')),
  };
}

/** Whether the relay signs this message: its From: is lab.test or a name below it. */
export function signsFor(key: DkimKey, raw: Buffer): boolean {
  const domain = domainOf(headerFromAddress(raw) ?? '');
  return domain === key.domain || domain.endsWith(`.${key.domain}`);
}

/** The message with a DKIM-Signature header on top, or unchanged if signing failed. */
export async function signMessage(key: DkimKey, raw: Buffer, log: (message: string) => void): Promise<Buffer> {
  // The key goes in signatureData: given at the top level, mailauth 4.13 signs nothing with it.
  const signature = { signingDomain: key.domain, selector: key.selector, privateKey: key.privateKeyPem, algorithm: key.algorithm === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256', canonicalization: 'relaxed/relaxed' };
  // Without a signTime mailauth reads the clock twice, for the header it signs and for the header
  // it writes: when a second turns in between, t= differs and the signature never verifies.
  const result = await dkimSign(raw, { ...signature, signatureData: [signature], signTime: new Date() });
  if (result.errors?.length || !result.signatures.trim()) {
    log(`dkim: not signed: ${(result.errors ?? []).map((e) => e.message).join('; ') || 'no signature made'}`);
    return raw;
  }
  return Buffer.concat([Buffer.from(result.signatures), raw]);
}

/**
 * The message with an ARC set on top (RFC 8617 §5.1): ARC-Authentication-Results carrying
 * `authResults` (what this host found when the message arrived), an ARC-Message-Signature over the
 * message as it leaves, and the ARC-Seal over the chain. The first set of a chain: i=1, cv=none.
 * Unchanged, and a line logged, if sealing failed.
 */
export async function sealWithArc(key: DkimKey, raw: Buffer, authResults: string, log: (message: string) => void): Promise<Buffer> {
  try {
    // RSA: ARC defines rsa-sha256 alone (RFC 8617 §4.1.3), and validators refuse other algorithms.
    const headers = await sealMessage(raw, { signingDomain: key.domain, selector: key.selector, privateKey: key.privateKeyPem, algorithm: 'rsa-sha256', authResults, cv: 'none', signTime: new Date() } as Parameters<typeof sealMessage>[1]);
    if (!headers.length) throw new Error('no ARC set made');
    return Buffer.concat([headers, raw]);
  } catch (error) {
    log(`arc: not sealed: ${error instanceof Error ? error.message : String(error)}`);
    return raw;
  }
}

/**
 * What the relay sends for a queue entry: mail the relay signs for (`keyFor` names the key, or
 * null) signed once per entry, so every retry carries the same signature; a host's late bounce
 * (not the relay's to sign) as it is.
 */
export function outgoingSigner(
  keyFor: (entry: QueueEntry) => DkimKey | null,
  relayName: string,
  log: (message: string) => void,
  sign: (key: DkimKey, raw: Buffer) => Promise<Buffer> = (k, raw) => signMessage(k, raw, log),
) {
  const signed = new WeakMap<QueueEntry, Promise<Buffer>>();
  return (entry: QueueEntry): Promise<Buffer> => {
    const key = entry.client.name === relayName ? keyFor(entry) : null;
    if (!key) return Promise.resolve(entry.raw);
    let raw = signed.get(entry);
    if (!raw) {
      raw = sign(key, entry.raw).catch((error: unknown) => {
        log(`dkim: not signed: ${String(error)}`);
        return entry.raw;
      });
      signed.set(entry, raw);
    }
    return raw;
  };
}

/** DNS errors as mailauth expects them from Node's resolver. */
function dnsError(code: 'ENOTFOUND' | 'ENODATA', name: string): Error {
  return Object.assign(new Error(`${code} ${name}`), { code });
}

/** mailauth's `resolver(name, type)`, answered from the lab DNS alone. */
export function labResolver(dns: LabDns) {
  return async (name: string, type: string): Promise<any> => {
    const answer = (() => {
      switch (type.toUpperCase()) {
        case 'TXT':
          // Node answers each TXT record as its character strings; mailauth joins them.
          return dns.resolveTxt(name).map((text) => text.match(/.{1,255}/g) ?? ['']);
        case 'MX': {
          const mx = dns.resolveMx(name);
          return mx.kind === 'mx' || mx.kind === 'null-mx' ? mx.records.map((r) => ({ exchange: r.exchange, priority: r.preference })) : [];
        }
        case 'A':
          return dns.resolveA(name);
        case 'PTR':
          return dns.resolvePtr(name);
        default:
          return [];
      }
    })();
    if (answer.length) return answer;
    throw dnsError(dns.knows(name) ? 'ENODATA' : 'ENOTFOUND', name);
  };
}

export type { AuthCheck } from '../../core/world/world-events';

export interface AuthPeer {
  /** The connecting MTA's lab address, as the host saw it. */
  ip: string;
  helo: string;
  /** MAIL FROM ('' for a bounce). */
  sender: string;
  /** The checking host's name, the authserv-id of its header. */
  mta: string;
  /** Domains whose ARC seals the host trusts to outweigh a DMARC failure (HostDefinition.trustedArcSealers). */
  trustedArcSealers?: readonly string[];
}

/** SPF, DKIM and DMARC for one message as one lab MX sees it. */
export async function checkMessage(dns: LabDns, raw: Buffer, peer: AuthPeer): Promise<AuthCheck> {
  const lookups: DnsStep[] = [];
  const resolve = labResolver(dns);
  const result = await authenticate(raw, {
    ip: peer.ip,
    helo: peer.helo,
    sender: peer.sender,
    mta: peer.mta,
    // Every question is written down, for the view that shows how the verdicts were reached.
    resolver: async (name: string, type: string) => {
      try {
        const answer = await resolve(name, type);
        if (lookups.length < MAX_LOOKUP_STEPS) lookups.push({ type, name, answer: (answer as unknown[]).slice(0, 8).map((a) => shortened(Array.isArray(a) ? a.join('') : typeof a === 'object' && a ? JSON.stringify(a) : String(a))) });
        return answer;
      } catch (error) {
        if (lookups.length < MAX_LOOKUP_STEPS) lookups.push({ type, name, answer: (error as { code?: string }).code ?? String(error) });
        throw error;
      }
    },
    // Only mail that carries an ARC set has a chain to verify; the rest keeps its header as it was.
    disableArc: !carriesArcSet(raw),
    disableBimi: true,
  });
  const found = result.headers.split(/\r\n(?=\S)/).find((h) => /^Authentication-Results:/i.test(h)) ?? `Authentication-Results: ${peer.mta}; none`;
  const dkimResults = result.dkim.results.map((r) => r.status.result as AuthResult);
  const dkim: AuthResult = dkimResults.includes('pass') ? 'pass' : (dkimResults[0] ?? 'none');
  const spf = (result.spf ? result.spf.status.result : 'none') as AuthResult;
  const dmarc = (result.dmarc ? result.dmarc.status.result : 'none') as AuthResult;
  const policy = result.dmarc ? readPolicy(result.dmarc.policy) : null;
  const fromDomain = domainOf(result.dkim.headerFrom[0] ?? '');
  const steps = authSteps(dns, result, peer, lookups, fromDomain, policy);
  const arc = arcCheck(result, peer);
  let verdict = dmarcVerdict(dmarc, policy);
  let header = `${found.trimEnd()}\r\n`;
  if (arc && arcOverrides(verdict, arc)) {
    arc.overrode = true;
    verdict = 'accepted';
    header += `${ARC_OVERRIDE_HEADER}: DMARC of ${fromDomain} failed; delivered because ${arc.sealer}, a trusted ARC sealer, found dmarc=pass (i=${arc.instance})\r\n`;
  }
  return { fromDomain, spf, dkim, dmarc, policy, verdict, header, steps, ...(arc ? { arc } : {}) };
}

function carriesArcSet(raw: Buffer): boolean {
  const end = raw.indexOf('\r\n\r\n');
  return /^ARC-Seal:/im.test(raw.subarray(0, end === -1 ? raw.length : end).toString('latin1'));
}

/** The ARC chain as mailauth verified it; null when the message carried none. */
function arcCheck(result: Authenticated, peer: AuthPeer): ArcCheck | null {
  const arc = result.arc as (Authenticated['arc'] & { i?: number | false; authenticationResults?: Record<string, any>; chain?: Array<Record<string, any>> }) | false;
  if (!arc || arc.status.result === 'none') return null;
  const last = arc.chain?.at(-1);
  const sealer = String(last?.['arc-seal']?.parsed?.d?.value ?? '').toLowerCase();
  const carried = arc.authenticationResults;
  const read = (value: unknown) => (typeof value === 'string' ? (value as AuthResult) : null);
  return {
    result: arc.status.result as AuthResult,
    instance: typeof arc.i === 'number' ? arc.i : 0,
    sealer,
    carried: carried
      ? { mta: String(carried.mta ?? ''), spf: read(carried.spf?.result), dkim: read(Array.isArray(carried.dkim) ? carried.dkim[0]?.result : carried.dkim?.result), dmarc: read(carried.dmarc?.result) }
      : null,
    trusted: sealer !== '' && (peer.trustedArcSealers ?? []).some((d) => d.toLowerCase() === sealer),
    overrode: false,
    comment: String(arc.status.comment ?? ''),
  };
}

/**
 * Lookups kept per check, and characters kept of each answer: every auth event travels to each
 * page of the lab and hundreds are kept, so a chain of includes or a long key cannot swell them.
 */
const MAX_LOOKUP_STEPS = 24;
const MAX_ANSWER_CHARS = 160;

function shortened(text: string): string {
  return text.length > MAX_ANSWER_CHARS ? `${text.slice(0, MAX_ANSWER_CHARS)}…` : text;
}

type Authenticated = Awaited<ReturnType<typeof authenticate>>;

/** The steps behind each verdict, read from mailauth's result structures. */
function authSteps(dns: LabDns, result: Authenticated, peer: AuthPeer, lookups: DnsStep[], fromDomain: string, policy: DmarcPolicy | null): AuthSteps {
  const spfChecked = spfDomain(peer.sender, peer.helo);
  const spfRecord = dns.resolveTxt(spfChecked).find((t) => /^v=spf1(\s|$)/i.test(t)) ?? null;
  const dmarcResult = result.dmarc as (typeof result.dmarc & { rr?: string; alignment?: { spf?: { strict?: boolean }; dkim?: { strict?: boolean } } }) | false;
  const dkimDomains = result.dkim.results.filter((r) => r.status.result === 'pass').map((r) => r.signingDomain);
  const passingDkim = dkimDomains.find((d) => alignment(fromDomain, d, 'relaxed').relaxed) ?? dkimDomains[0] ?? result.dkim.results[0]?.signingDomain ?? null;
  const spfPassed = result.spf && result.spf.status.result === 'pass';
  const evaluation = spfRecord ? evaluateSpf(spfRecord, spfChecked, peer.ip, dns) : null;
  return {
    lookups,
    spf: result.spf
      ? {
          domain: spfChecked,
          record: spfRecord,
          matched: evaluation?.matched ?? null,
          ...(evaluation ? { terms: evaluation.terms } : {}),
          result: result.spf.status.result as AuthResult,
          comment: String(result.spf.status.comment ?? ''),
        }
      : null,
    dkim: result.dkim.results.map((r) => ({
      domain: r.signingDomain,
      selector: r.selector ?? '',
      algorithm: String((r as { algo?: string }).algo ?? ''),
      keyName: `${r.selector}._domainkey.${r.signingDomain}`,
      bodyHashMatches: (r as { bodyHash?: string }).bodyHash === (r as { bodyHashExpecting?: string }).bodyHashExpecting,
      result: r.status.result as AuthResult,
      comment: String(r.status.comment ?? ''),
    })),
    dmarc: dmarcResult
      ? {
          fromDomain,
          record: dns.resolveTxt(`_dmarc.${fromDomain}`).find((t) => /^v=DMARC1/i.test(t)) ?? null,
          policy,
          spf: alignment(fromDomain, spfPassed ? spfChecked : null, dmarcResult.alignment?.spf?.strict ? 'strict' : 'relaxed'),
          dkim: alignment(fromDomain, passingDkim, dmarcResult.alignment?.dkim?.strict ? 'strict' : 'relaxed'),
          result: dmarcResult.status.result as AuthResult,
        }
      : null,
  };
}

/**
 * What a host writes when the check of a message did not finish in time: every method temperror
 * (RFC 8601 §2.7.1, RFC 7208 §2.6.6, RFC 7489 §11.2), no policy applies, and the message is
 * delivered, so one message that is slow to check never holds up the queue.
 */
export function unfinishedCheck(peer: AuthPeer, reason: string): AuthCheck {
  const methods = ['spf', 'dkim', 'dmarc'].map((method) => `${method}=temperror reason="${reason.replaceAll('"', "'")}"`);
  return {
    fromDomain: '',
    spf: 'temperror',
    dkim: 'temperror',
    dmarc: 'temperror',
    policy: null,
    verdict: 'accepted',
    header: `Authentication-Results: ${peer.mta};\r\n ${methods.join(';\r\n ')}\r\n`,
  };
}

/** The address in the From: header (the first one), read from the raw header block. */
function headerFromAddress(raw: Buffer): string | null {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end === -1 ? Math.min(raw.length, 65_536) : end).toString('utf8');
  const field = /^From:((?:.*)(?:\r\n[ \t].*)*)/im.exec(head)?.[1];
  if (!field) return null;
  return /<([^<>]+)>/.exec(field)?.[1]?.trim() ?? /[^\s,;<>"]+@[^\s,;<>"]+/.exec(field)?.[0] ?? null;
}
