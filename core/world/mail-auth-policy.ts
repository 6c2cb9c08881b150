/**
 * Who is the sender? What a lab MX does with the SPF, DKIM and DMARC results of a message, and the
 * records and profiles the last lesson of the course leans on. Pure: the checks themselves run on
 * the bridge (mailauth, asking the lab DNS); this decides what they mean.
 */
import type { AuthResult, AuthVerdict, DmarcPolicy } from './world-events';
import type { LabReply, TxtRecord } from './world-types';

/** The selector lab.test signs with: its key is published at `lab._domainkey.lab.test`. */
export const DKIM_SELECTOR = 'lab';

/** A header a host adds to mail it delivers only because the sender's policy says quarantine. */
export const QUARANTINE_HEADER = 'X-Lab-Quarantine';

export function dkimKeyRecord(domain: string, selector: string, algorithm: 'ed25519' | 'rsa', publicKeyBase64: string): TxtRecord {
  return { name: `${selector}._domainkey.${domain}`, text: `v=DKIM1; k=${algorithm}; p=${publicKeyBase64}` };
}

/**
 * DMARC (RFC 7489 §6.6): only a failed check with a policy other than none changes anything; a
 * pass, or a domain without a record, is delivered as usual.
 */
export function dmarcVerdict(result: AuthResult, policy: DmarcPolicy | null): AuthVerdict {
  if (result !== 'fail' || !policy || policy === 'none') return 'accepted';
  return policy === 'reject' ? 'rejected' : 'quarantined';
}

/**
 * A verified ARC chain from a sealer the host trusts, whose sealer saw DMARC pass, outweighs a DMARC
 * failure: local policy may override (RFC 7489 §6.7), and ARC exists to inform that choice
 * (RFC 8617 §7.2.1). The mail is then delivered as if DMARC had passed.
 */
export function arcOverrides(verdict: AuthVerdict, arc: { result: AuthResult; trusted: boolean; carried: { dmarc: AuthResult | null } | null } | undefined): boolean {
  return verdict !== 'accepted' && arc?.result === 'pass' && arc.trusted && arc.carried?.dmarc === 'pass';
}

/** The header a host adds to mail it delivers only because a trusted ARC chain vouched for it. */
export const ARC_OVERRIDE_HEADER = 'X-Lab-Arc-Override';

export function dmarcRefusal(fromDomain: string): LabReply {
  return { code: 550, enhanced: '5.7.26', text: `Rejected by the DMARC policy of ${fromDomain}: it did not send this message` };
}

/**
 * The largest header section a lab MX checks. Checking costs about half a millisecond per KB of
 * header, real mail carries a few KB, and a message whose sender cannot be checked must not slip
 * past its domain's policy: a bigger header is refused, as large providers refuse one (552 5.3.4).
 */
export const MAX_AUTH_HEADER_BYTES = 64 * 1024;

export function headerTooBigRefusal(maxBytes: number): LabReply {
  return { code: 552, enhanced: '5.3.4', text: `Message header over ${Math.round(maxBytes / 1024)} KB: too big to check who sent it` };
}

export function readPolicy(value: unknown): DmarcPolicy | null {
  return value === 'none' || value === 'quarantine' || value === 'reject' ? value : null;
}

/**
 * Mail that claims to be from a domain that did not send it. The lab's welcoming port relays
 * anything without AUTH, unsigned, from the relay's address: example.test's SPF names only its own
 * MX, no example.test signature is made, so DMARC fails and example.test's p=reject applies.
 */
export const SPOOFING_PROFILE = {
  headerFrom: 'ceo@example.test',
  envelopeFrom: 'ceo@example.test',
  to: 'alice@example.test',
  expected: { spf: 'fail', dkim: 'none', dmarc: 'fail', reply: '550 5.7.26' },
  /** The quarantine variant: fallback.test publishes p=quarantine, so the mail arrives, marked. */
  quarantine: { headerFrom: 'ceo@fallback.test', envelopeFrom: 'ceo@fallback.test', to: 'dana@fallback.test' },
} as const;
