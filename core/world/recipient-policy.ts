/**
 * What a lab mail host answers to each step of a transaction, decided from the world definition
 * alone. The bridge runs the real smtp-server and keeps the greylist memory; the choices live here
 * so they can be read and tested without sockets.
 */
import { forwardTargetOf } from './forwarding';
import { domainOf, localPartOf } from './lab-dns';
import { GREYLIST_MIN_DELAY_MS } from './world-definition';
import type { DomainDefinition, HostDefinition, LabReply, MagicLocalPart, WorldDefinition } from './world-types';

export type RcptDecision =
  | { action: 'accept'; slow: boolean; lateBounce: boolean }
  | { action: 'refuse'; reply: LabReply; slow: boolean }
  /** Ask the greylist; refuse with `reply` unless the pair has waited long enough. */
  | { action: 'greylist'; reply: LabReply; slow: boolean };

export const REPLIES = {
  relayDenied: { code: 554, enhanced: '5.7.1', text: 'Relay access denied: this host takes mail for its own domains only' },
  unknownUser: { code: 550, enhanced: '5.1.1', text: 'No such user here' },
  mailboxFull: { code: 452, enhanced: '4.2.2', text: 'Mailbox full, try again later' },
  greylisted: { code: 451, enhanced: '4.7.1', text: 'Greylisted: please try again later' },
  tempfail: { code: 451, enhanced: '4.3.0', text: 'Temporary local problem, try again later' },
  tooBig: { code: 552, enhanced: '5.3.4', text: 'Message too big for this system' },
  lateBounce: { code: 550, enhanced: '5.1.1', text: 'Mailbox no longer accepts mail (bounced after it was accepted)' },
  nullMx: { code: 556, enhanced: '5.1.10', text: 'Recipient domain publishes a null MX and accepts no mail' },
  routedLocalPart: { code: 550, enhanced: '5.7.1', text: 'Relay access denied: a % or ! in the local part asks this host to pass the mail on, and it relays for no stranger' },
} as const satisfies Record<string, LabReply>;

/** The domains whose MX (or implicit MX) names this host. */
export function domainsServedBy(world: WorldDefinition, host: HostDefinition): DomainDefinition[] {
  return world.domains.filter((domain) =>
    domain.mx.length > 0 ? domain.mx.some((record) => record.exchange === host.name) : domain.name === host.name,
  );
}

export function magicLocalPart(local: string): MagicLocalPart | null {
  const known: readonly MagicLocalPart[] = ['full', 'greylist', 'slow', 'tempfail', 'bounce'];
  return known.find((part) => part === local) ?? null;
}

/**
 * A local part that names a further host: the "%" hack (user%host@relay) or a UUCP bang path
 * (host!user@relay). The host after the @ would hand the mail on to it, a relay the sender chose:
 * RFC 5321 §3.6.1 lets a server decline to relay, §4.1.1.3 with a 550 at RCPT. Mail servers that
 * once honoured it became open relays, which is why Postfix and sendmail refuse it from strangers.
 */
export function routesThroughLocalPart(address: string): boolean {
  return /[%!]/.test(localPartOf(address));
}

export function decideRecipient(served: readonly DomainDefinition[], address: string): RcptDecision {
  const domain = served.find((d) => d.name === domainOf(address));
  if (!domain) return { action: 'refuse', reply: REPLIES.relayDenied, slow: false };
  if (routesThroughLocalPart(address)) return { action: 'refuse', reply: REPLIES.routedLocalPart, slow: false };
  const local = localPartOf(address);
  const magic = domain.magicLocalParts ? magicLocalPart(local) : null;
  switch (magic) {
    case 'full':
      return { action: 'refuse', reply: REPLIES.mailboxFull, slow: false };
    case 'greylist':
      return { action: 'greylist', reply: REPLIES.greylisted, slow: false };
    case 'tempfail':
      return { action: 'refuse', reply: REPLIES.tempfail, slow: false };
    case 'slow':
      return { action: 'accept', slow: true, lateBounce: false };
    case 'bounce':
      return { action: 'accept', slow: false, lateBounce: true };
    case null:
      break;
  }
  // An alias or a list has no mailbox: the host takes the mail to send it on.
  if (forwardTargetOf([domain], address)) return { action: 'accept', slow: false, lateBounce: false };
  if (domain.users !== 'any' && !domain.users.includes(local)) {
    return { action: 'refuse', reply: REPLIES.unknownUser, slow: false };
  }
  if (domain.greylistAll) return { action: 'greylist', reply: REPLIES.greylisted, slow: false };
  return { action: 'accept', slow: false, lateBounce: false };
}

/** Greylisting keys on the pair, as Postgrey does (without the client address: the lab has one relay). */
export function greylistKey(sender: string, recipient: string): string {
  return `${sender.toLowerCase()}\u0000${recipient.toLowerCase()}`;
}

/** first: never seen (remember now, refuse); early: retried too soon (refuse); pass: accept. */
export function greylistVerdict(firstSeenAt: number | undefined, now: number, minDelayMs = GREYLIST_MIN_DELAY_MS): 'first' | 'early' | 'pass' {
  if (firstSeenAt === undefined) return 'first';
  return now - firstSeenAt >= minDelayMs ? 'pass' : 'early';
}
