/**
 * Enhanced status codes (RFC 3463, registry RFC 5248): `class.subject.detail`, e.g. "5.1.1".
 * Servers that advertise ENHANCEDSTATUSCODES (RFC 2034) put one at the start of reply text.
 */

export interface EnhancedExplanation {
  /** The code as given, e.g. "5.1.1". */
  code: string;
  /** The first number in plain words. */
  class: string;
  /** The second number in plain words. */
  subject: string;
  /** The whole code in plain words, or null when the detail is not one this lab knows. */
  detail: string | null;
  /** Where the detail (or, when unknown, the class and subject) is defined. */
  rfc: string;
}

const CLASSES: Record<string, string> = {
  '2': 'Success: the action was completed.',
  '4': 'Persistent transient failure: the message is valid, but a temporary condition stopped it; trying again later may work.',
  '5': 'Permanent failure: sending the same thing again will fail the same way until something is changed.',
};

const SUBJECTS: Record<string, string> = {
  '0': 'Other or undefined: no more specific subject applies.',
  '1': 'Addressing: about the sender or recipient address.',
  '2': 'Mailbox: about the recipient mailbox itself.',
  '3': 'Mail system: about the receiving mail system as a whole.',
  '4': 'Network and routing: about reaching the destination.',
  '5': 'Mail delivery protocol: about the SMTP exchange itself.',
  '6': 'Message content or media: about the message body and its encoding.',
  '7': 'Security or policy: about permission, authentication or encryption.',
};

/** RFC 3463 §3.x holds each subject's details. */
const SUBJECT_SECTION: Record<string, string> = {
  '0': '§3.1', '1': '§3.2', '2': '§3.3', '3': '§3.4', '4': '§3.5', '5': '§3.6', '6': '§3.7', '7': '§3.8',
};

/**
 * Details keyed by "subject.detail"; the rfc is given only when it is not RFC 3463. `text` reads
 * as final (5.x.x); `transient` is how the same subject reads as 4.x.x, where it applies.
 */
const DETAILS: Record<string, { text: string; transient?: string; rfc?: string }> = {
  '0.0': { text: 'Other or undefined status: nothing more specific to say.' },
  '1.0': { text: 'Something about an address went wrong, nothing more specific.' },
  '1.1': { text: 'Bad destination mailbox address: the part before the "@" does not exist at that domain.' },
  '1.2': { text: 'Bad destination system address: the domain after the "@" does not exist or does not take mail.' },
  '1.3': { text: 'Bad destination mailbox address syntax: the recipient address is not written correctly.' },
  '1.4': { text: 'Destination mailbox address ambiguous: the address matches more than one mailbox.' },
  '1.5': { text: 'Destination address valid: the recipient address was accepted.' },
  '1.6': { text: 'Destination mailbox has moved, and there is no forwarding address.' },
  '1.7': { text: "Bad sender's mailbox address syntax: the MAIL FROM address is not written correctly." },
  '1.8': { text: "Bad sender's system address: the sender's domain does not exist or cannot take replies." },
  '1.9': { text: 'Message relayed to a non-compliant mailer: delivery notifications may stop here.', rfc: 'RFC 3886' },
  '1.10': { text: 'Recipient address has a null MX: its domain publishes that it takes no mail.', rfc: 'RFC 7505' },
  '2.0': { text: 'Something about the mailbox went wrong, nothing more specific.' },
  '2.1': { text: 'Mailbox disabled: it exists but is not accepting messages.' },
  '2.2': { text: 'Mailbox full, and the server treats it as final: the recipient is over quota and this message will not get in.', transient: 'Mailbox full for now: the recipient is over quota; a retry can get through once they make room.' },
  '2.3': { text: 'Message length exceeds an administrative limit for this mailbox.' },
  '2.4': { text: 'Mailing list expansion problem: the address is a list that could not be expanded.' },
  '3.0': { text: 'Something about the mail system went wrong, nothing more specific.', transient: 'A temporary problem in the mail system, nothing more specific: a retry later may work.' },
  '3.1': { text: 'Mail system full: the server is out of storage.', transient: 'Mail system full for now: the server (or its queue) has no room at the moment; try again later.' },
  '3.2': { text: 'System not accepting network messages: this host does not take mail (RFC 7504 pairs it with 521).', transient: 'System not accepting network messages right now: it is shutting down or paused; try again later.' },
  '3.3': { text: 'System not capable of the selected features, such as an extension the message needs.' },
  '3.4': { text: 'Message too big for the system.' },
  '3.5': { text: 'System incorrectly configured.' },
  '3.6': { text: 'The requested priority was changed.', rfc: 'RFC 6710' },
  '4.0': { text: 'Something about the network or routing went wrong, nothing more specific.' },
  '4.1': { text: 'No answer from host: the next server never responded, and the sender gave up.', transient: 'No answer from host yet: the next server did not respond; the sender keeps the mail and tries again.' },
  '4.2': { text: 'Bad connection: the connection broke during the exchange, too often.', transient: 'Bad connection: the connection broke during the exchange; the sender tries again.' },
  '4.3': { text: 'Directory server failure, for example DNS could not be reached.' },
  '4.4': { text: 'Unable to route: no way to reach the destination was found.' },
  '4.5': { text: 'Mail system congestion: the server is too busy now.' },
  '4.6': { text: 'Routing loop detected: the message has gone round in a circle.' },
  '4.7': { text: 'Delivery time expired: the message waited too long in the queue and was given up.', transient: 'Delivery is taking long: the message is still in the queue and will be retried.' },
  '5.0': { text: 'Something about the SMTP exchange went wrong, nothing more specific.' },
  '5.1': { text: 'Invalid command: not a command this server knows, or not allowed now.' },
  '5.2': { text: 'Syntax error in the command line.' },
  '5.3': { text: 'Too many recipients for one message.', transient: 'Too many recipients for one message: send the rest in another transaction.' },
  '5.4': { text: 'Invalid command arguments: the command is known but its arguments are not acceptable.' },
  '5.5': { text: 'Wrong protocol version.' },
  '5.6': { text: 'Authentication exchange line is too long.', rfc: 'RFC 4954 §6' },
  '6.0': { text: 'Something about the content or its encoding went wrong, nothing more specific.' },
  '6.1': { text: 'Media not supported: the content type or encoding is not accepted.' },
  '6.2': { text: 'Conversion required but prohibited by the sender.' },
  '6.3': { text: 'Conversion required but not supported.' },
  '6.4': { text: 'Conversion with loss performed: the message was delivered after a lossy conversion.' },
  '6.5': { text: 'Conversion failed.' },
  '6.6': { text: 'Message content not available.', rfc: 'RFC 4468' },
  '6.7': { text: 'Non-ASCII addresses are not permitted for that sender or recipient.', rfc: 'RFC 6531' },
  '6.8': { text: 'A UTF-8 reply is required, but the client did not ask for SMTPUTF8.', rfc: 'RFC 6531' },
  '6.9': { text: 'The message has UTF-8 headers and cannot be passed on to one or more recipients.', rfc: 'RFC 6531' },
  '7.0': { text: 'Security or policy status, nothing more specific (also used for "authentication required" and "must issue a STARTTLS command first").', transient: 'A temporary security or policy condition, nothing more specific: a retry later may work.' },
  '7.1': { text: 'Delivery not authorized, message refused: policy forbids it, for example relaying for a stranger or a DMARC reject.', transient: 'Not authorized for now: a policy defers it, as greylisting and rate limits do; the same mail retried later can be accepted.' },
  '7.2': { text: 'Mailing list expansion prohibited.' },
  '7.3': { text: 'Security conversion required but not possible.' },
  '7.4': { text: 'Security features not supported.' },
  '7.5': { text: 'Cryptographic failure.' },
  '7.6': { text: 'Cryptographic algorithm not supported.' },
  '7.7': { text: 'Message integrity failure.' },
  '7.8': { text: 'Authentication credentials invalid: wrong user name or password.', rfc: 'RFC 4954 §6' },
  '7.9': { text: 'Authentication mechanism is too weak for this server or this user.', rfc: 'RFC 4954 §6' },
  '7.10': { text: 'Encryption needed: a strong privacy layer (TLS) is required first.', rfc: 'RFC 5248' },
  '7.11': { text: 'Encryption required for the requested authentication mechanism: use STARTTLS first.', rfc: 'RFC 4954 §6' },
  '7.12': { text: 'A password transition is needed: authenticate once with the PLAIN mechanism (over TLS) before the chosen one will work.', rfc: 'RFC 4954 §6' },
  '7.13': { text: 'User account disabled.', rfc: 'RFC 5248' },
  '7.14': { text: 'Trust relationship required: the server only takes this from partners it trusts.', rfc: 'RFC 5248' },
  '7.15': { text: 'Priority level is too low for this server to take the message.', transient: 'Priority level is too low to be taken now; it may be accepted later.', rfc: 'RFC 6710' },
  '7.16': { text: 'Message is too big for the priority it asked for.', rfc: 'RFC 6710' },
  '7.17': { text: 'Mailbox owner has changed since the date the sender gave (RRVS): the address belongs to someone else now.', rfc: 'RFC 7293' },
  '7.18': { text: 'Domain owner has changed since the date the sender gave (RRVS).', rfc: 'RFC 7293' },
  '7.19': { text: 'RRVS test cannot be completed: the server cannot tell whether the mailbox changed owner.', rfc: 'RFC 7293' },
  '7.20': { text: 'No passing DKIM signature found: the message carries no valid signature the receiver accepts.', rfc: 'RFC 7372' },
  '7.21': { text: 'No acceptable DKIM signature found: signatures verify, but none meets the receiver\'s policy.', rfc: 'RFC 7372' },
  '7.22': { text: 'No valid author-matched DKIM signature found: no valid signature is from the domain in From:.', rfc: 'RFC 7372' },
  '7.23': { text: 'SPF validation failed: the sending host is not one the domain lists as allowed to send its mail.', rfc: 'RFC 7372' },
  '7.24': { text: 'SPF validation error: the SPF record could not be evaluated (a broken record).', transient: 'SPF validation error, for now: the SPF check could not be completed (a DNS problem); a retry may work.', rfc: 'RFC 7372' },
  '7.25': { text: 'Reverse DNS validation failed: the sending address has no matching name in DNS.', rfc: 'RFC 7372' },
  '7.26': { text: 'Multiple authentication checks failed, without saying which. Large receivers send it for a DMARC failure: neither SPF nor DKIM vouches for the domain in From:.', rfc: 'RFC 7372' },
  '7.27': { text: 'Sender address has a null MX: its domain takes no mail, so a bounce could never reach it.', rfc: 'RFC 7505' },
  '7.28': { text: 'Mail flood detected: the message looks like part of a flood of similar abusive messages, so it is refused.', transient: 'Mail flood detected: the message looks like part of a flood of similar messages, so it is held back for now.', rfc: 'IANA SMTP enhanced status code registry' },
  '7.29': { text: 'ARC validation failure: the chain of Authenticated Received Chain seals on the message is broken.', rfc: 'RFC 8617' },
  '7.30': { text: 'REQUIRETLS support required: the message demands TLS all the way, and the next hop cannot promise it.', rfc: 'RFC 8689' },
};

/**
 * The detail table above names what went wrong. With class 2 the same numbers only say what the
 * success is about (RFC 3463 §3), so success codes get words of their own.
 */
const SUCCESS_DETAILS: Record<string, string> = {
  '0.0': 'Done, nothing more specific to report.',
  '1.0': 'The address is fine.',
  '1.5': 'Destination address valid: the address is fine as a recipient.',
  '2.0': 'The mailbox is fine.',
  '5.0': 'The command was carried out.',
  '6.0': 'The message content was accepted.',
  '7.0': 'The security or policy check passed (for example, authentication succeeded).',
};

const SHAPE = /^([245])\.(\d{1,3})\.(\d{1,3})$/;

/** Explain an enhanced status code such as "5.1.1"; null when it is not shaped like one. */
export function explainEnhanced(code: string): EnhancedExplanation | null {
  const match = SHAPE.exec(code.trim());
  if (!match) return null;
  const [, cls = '', subjectDigits = '', detailDigits = ''] = match;
  // "05" and "5" are the same number; the table uses the plain form.
  const subjectKey = String(Number(subjectDigits));
  const detailKey = `${subjectKey}.${Number(detailDigits)}`;
  const success = cls === '2';
  const known = success ? undefined : DETAILS[detailKey];
  const detail = known && cls === '4' ? (known.transient ?? known.text) : known?.text;
  const section = SUBJECT_SECTION[subjectKey];
  return {
    code: `${cls}.${subjectKey}.${Number(detailDigits)}`,
    class: CLASSES[cls] ?? '',
    subject: SUBJECTS[subjectKey] ?? 'A subject RFC 3463 does not define.',
    detail: success ? (SUCCESS_DETAILS[detailKey] ?? null) : (detail ?? null),
    rfc: known?.rfc ?? (section ? `RFC 3463 ${section}` : 'RFC 3463 §2'),
  };
}
