/**
 * What a strict mail host makes of the name a client gives in EHLO or HELO, read against the lab
 * DNS. RFC 5321 §4.1.1.1 asks for the client's fully-qualified domain name (or an address literal,
 * §4.1.3, when it has none); §2.3.5 says a bare host name like `localhost` is not one. §4.1.4 lets
 * a server check the name against the connecting address, and says it MUST NOT refuse a message
 * only because that check fails: strict providers do it all the same, and a sender has to live
 * with them. The replies are the ones Postfix gives for the same checks.
 */
import { reverseName } from './learner-zone';
import type { LabReply } from './world-types';

/** The lookups the checks need: the lab DNS answers both. */
export interface HeloDns {
  resolvePtr(name: string): string[];
  resolveA(name: string): string[];
}

const ADDRESS_LITERAL = /^\[[^\]]*\]$/;

/**
 * Fully qualified in the sense of RFC 5321 §2.3.5: at least two labels, the last not all digits (a
 * bare address is not a domain). An address literal passes: §4.1.4 allows it.
 */
export function isFullyQualified(name: string): boolean {
  if (ADDRESS_LITERAL.test(name)) return true;
  const labels = name.replace(/\.$/, '').split('.');
  return labels.length >= 2 && labels.every((label) => label.length > 0) && !/^\d+$/.test(labels[labels.length - 1] ?? '');
}

/**
 * The names of `address` that its PTR records give and whose A records lead back to it
 * (forward-confirmed reverse DNS): a PTR alone proves nothing, anyone may publish one.
 */
export function confirmedNames(address: string, dns: HeloDns): string[] {
  return dns.resolvePtr(reverseName(address)).filter((name) => dns.resolveA(name).includes(address));
}

export const HELO_REPLIES = {
  /** Postfix's reject_non_fqdn_helo_hostname. */
  notFullyQualified: (name: string): LabReply => ({ code: 504, enhanced: '5.5.2', text: `<${name}>: Helo command rejected: need fully-qualified hostname` }),
  /** Postfix's reject_unknown_client_hostname, with the code RFC 7372 §3.3 gives a failed reverse DNS check. */
  noConfirmedName: (address: string): LabReply => ({ code: 450, enhanced: '4.7.25', text: `Client host rejected: cannot find your hostname, [${address}]` }),
  /** This host's own rule (Postfix has none built in): the name must be the one the address's PTR gives. */
  notYourName: (name: string, address: string, ptr: string): LabReply => ({
    code: 550,
    enhanced: '5.7.1',
    text: `<${name}>: Helo command rejected: your address ${address} is ${ptr} (its PTR record), not ${name}`,
  }),
} as const;

/** Why a strict host refuses `name` from `address`, or null when it takes it. */
export function heloRefusal(name: string, address: string, dns: HeloDns): LabReply | null {
  if (!isFullyQualified(name)) return HELO_REPLIES.notFullyQualified(name);
  const confirmed = confirmedNames(address, dns);
  const [first] = confirmed;
  if (first === undefined) return HELO_REPLIES.noConfirmedName(address);
  const given = name.toLowerCase().replace(/\.$/, '');
  return confirmed.some((ptr) => ptr.toLowerCase() === given) ? null : HELO_REPLIES.notYourName(name, address, first);
}
