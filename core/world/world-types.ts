/**
 * The mail world as data: domains with their DNS records, the mail hosts those records point to,
 * and what each host does with the mail it is offered. Pure types, shared by the bridge (which
 * runs the hosts) and the app (which draws the world page from `GET /api/world`).
 */

import type { TamperMode } from './tamper';

/** One MX record. `exchange: '.'` with preference 0 is a null MX (RFC 7505): "this domain takes no mail". */
export interface MxRecord {
  preference: number;
  exchange: string;
}

/**
 * Whether a host offers STARTTLS. A host that mail from anyone must reach never insists on it
 * (RFC 3207 §4): a domain that wants TLS publishes an MTA-STS policy instead.
 */
export type StartTlsPolicy = 'offered' | 'none';

export interface HostDefinition {
  /** The host's name, as MX records and A records name it, and as it greets. */
  name: string;
  /** Its lab address (documentation range, RFC 5737). Connections really travel over 127.0.0.1. */
  address: string;
  /** A host that is down refuses connections the way a closed TCP port does. */
  up: boolean;
  starttls: StartTlsPolicy;
  /** Advertised SIZE; a bigger message gets 552 5.3.4. Absent: the world's default. */
  maxMessageSize?: number;
  /** What the host does, in plain words for the world page. */
  behaviour: string;
  /** Advertises CHUNKING and takes the message in BDAT chunks (RFC 3030) as well as with DATA. */
  chunking?: boolean;
  /**
   * Refuses an EHLO/HELO name that is not fully qualified, a connecting address without
   * forward-confirmed reverse DNS, and a name that is not the address's PTR name (see helo-policy).
   */
  strictHelo?: boolean;
  /** Tamper in transit: one byte of mail to this host changed after signing (absent: off). */
  tamper?: TamperMode;
  /** A box on the path from the relay to this host that rewrites what passes (RFC 3207 §6); absent: a clean path. */
  onPath?: Middlebox;
  /**
   * Domains whose ARC seal this host trusts (RFC 8617 §7.2.1): when their chain verifies and carries
   * dmarc=pass, a DMARC failure is overridden as local policy allows (RFC 7489 §6.7). Absent: none.
   */
  trustedArcSealers?: readonly string[];
}

/**
 * A man in the middle between the relay and a host: it forwards every line, except that it
 * removes STARTTLS from the host's EHLO reply and answers a STARTTLS command itself with an error,
 * so a sender that only uses TLS when offered goes on in clear (a downgrade attack, RFC 3207 §6).
 */
export interface Middlebox {
  /** Its name, as the record of its own connection to the host names it. */
  name: string;
  /** Its lab address (documentation range, RFC 5737). */
  address: string;
  strips: 'STARTTLS';
  /** What it does, in plain words for the world page. */
  behaviour: string;
}

export interface DomainDefinition {
  name: string;
  /** What this domain is for in the lab, in plain words. */
  role: string;
  /** Empty: no MX at all, so mail goes to the A record of the domain itself (RFC 5321 §5.1). */
  mx: MxRecord[];
  /** A records of the domain name itself (used for the implicit MX). */
  a: string[];
  /** Local parts with a mailbox; 'any' accepts every local part. */
  users: readonly string[] | 'any';
  /** Per-recipient behaviour by local part (full@, greylist@, ...), see MAGIC_LOCAL_PARTS. */
  magicLocalParts: boolean;
  /** Every first attempt for a (sender, recipient) pair is deferred with 451 4.7.1. */
  greylistAll: boolean;
  /** TXT records the domain publishes under its own name and below it (SPF, DMARC, DKIM keys, MTA-STS). */
  txt?: readonly TxtRecord[];
  /** The MTA-STS policy (RFC 8461) its web server serves, announced by a `_mta-sts` TXT record. */
  mtaSts?: MtaStsPolicy;
  /** Addresses that send mail on instead of keeping it: aliases and mailing lists, sealed with ARC. */
  forwarding?: Forwarding;
}

/**
 * A forwarder's addresses (unit "Forwarding and ARC"). An alias re-sends the message unchanged and
 * keeps its MAIL FROM, as a .forward file does, so SPF fails at the next hop (RFC 7208 Appendix D)
 * while DKIM survives. A list rewrites MAIL FROM to its own bounce address (bounces go to the list
 * owner, not the author), tags the subject and adds a footer, so DKIM's body hash breaks
 * (RFC 6376 §3.7). Either way the forwarder seals what it sends with ARC (RFC 8617).
 */
export interface Forwarding {
  aliases: readonly ForwardingAlias[];
  lists: readonly MailingList[];
  /** The selector of the forwarder's ARC key, published at `<arcSelector>._domainkey.<domain>`. */
  arcSelector: string;
}

export interface ForwardingAlias {
  address: string;
  to: string;
}

export interface MailingList {
  address: string;
  members: readonly string[];
  /** Put in front of the subject, e.g. "[team]". */
  subjectTag: string;
  /** Added at the end of the body. */
  footer: string;
  /** The list's MAIL FROM on what it sends: where bounces go. */
  bounces: string;
}

/** An MTA-STS policy file (RFC 8461 §3.2). */
export interface MtaStsPolicy {
  /** enforce: no delivery without verified TLS to a listed MX; testing: deliver anyway, report; none: no policy. */
  mode: 'enforce' | 'testing' | 'none';
  /** MX host patterns mail may go to, e.g. "mx.example.test" or "*.example.test". */
  mx: string[];
  /** Seconds a sender may keep the policy. */
  maxAge: number;
}

/** One TXT record: who sends for a domain (SPF), what to do with impostors (DMARC), a DKIM key. */
export interface TxtRecord {
  /** The full owner name, e.g. `_dmarc.lab.test` or `lab._domainkey.lab.test`. */
  name: string;
  text: string;
}

export interface WorldDefinition {
  /** The learner's provider: its outbound relay sends with this name and address. */
  relay: { name: string; address: string; domain: string };
  domains: readonly DomainDefinition[];
  hosts: readonly HostDefinition[];
}

/** Local parts with a behaviour of their own, at domains that have `magicLocalParts`. */
export type MagicLocalPart = 'full' | 'greylist' | 'slow' | 'tempfail' | 'bounce';

/** One SMTP reply a lab host gives, with its enhanced status code (RFC 3463). */
export interface LabReply {
  code: number;
  enhanced: string;
  text: string;
}
