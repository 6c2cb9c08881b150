/**
 * What a reply means given the command it answers: the same 250 or 503 says different things
 * after EHLO, MAIL or RCPT. Used by reply-catalog.ts; RFC sections are RFC 5321 unless named.
 */

import { parseCommand } from './command';
import { decodeBase64 } from './base64';
import type { Reply } from './reply';
import { END_OF_DATA, GREETING } from './reply-digits';

export { END_OF_DATA, GREETING };

type ContextRule = (reply: Reply, argument: string) => string | null;

/** The reply's text, all lines joined, for the few cases where the words tell more than the codes. */
const wordsOf = (reply: Reply) => reply.lines.join(' ');
/** The enhanced code without its class ("7.1" for 4.7.1 and 5.7.1), or "" when there is none. */
const subjectOf = (reply: Reply) => reply.enhanced?.slice(2) ?? '';
const STARTTLS_FIRST = /STARTTLS/i;

const TOO_MANY_RECIPIENTS =
  'Too many recipients for one message (§4.5.3.1.10): send DATA for those accepted so far and the rest in a new transaction.';
const START_TLS_FIRST =
  'This server only goes on inside an encrypted connection (RFC 3207 §4): send STARTTLS, then EHLO again, then repeat this command.';
const GREYLISTED =
  'Greylisting: the server turns away a first attempt from a sender it has not seen with this recipient, and accepts a retry after a few minutes. Spam software rarely retries; a real mail server keeps the message in its queue and tries again later, so nothing is lost.';
const RELAY_DENIED =
  'Relaying denied: this server takes mail only for its own domains (or from clients that logged in), so it refuses to pass mail on to this recipient (RFC 5321 §3.6.2, §7.1). Only this recipient is refused; the transaction goes on.';

/** A refused recipient, read from the enhanced code first: the same 4xx or 5xx says many things at RCPT. */
function refusedRecipient(reply: Reply): string | null {
  const { code } = reply;
  const subject = subjectOf(reply);
  if (subject === '7.1' && (code === 450 || code === 451) || /greylist/i.test(wordsOf(reply))) return GREYLISTED;
  if (subject === '5.3' || (code === 452 && !reply.enhanced && /too many recipients/i.test(wordsOf(reply)))) return TOO_MANY_RECIPIENTS;
  if (subject === '2.2') {
    return code < 500
      ? 'The mailbox is full (over quota) right now. It is temporary: the sender keeps the message queued and retries, and it gets through once the owner makes room. Other recipients are not affected.'
      : 'The mailbox is full, and the server treats that as final: this recipient will not get the message. Other recipients are not affected.';
  }
  if (subject === '7.1' || /relay/i.test(wordsOf(reply))) return RELAY_DENIED;
  if (subject === '1.10' || code === 556) return 'The recipient\'s domain publishes a null MX (RFC 7505): it takes no mail at all, so no address there can get this message.';
  if (subject === '1.1') return 'No such mailbox at this domain: check the part before the "@". Only this recipient is refused; the transaction goes on with those already accepted.';
  if (code === 530) return STARTTLS_FIRST.test(wordsOf(reply)) ? START_TLS_FIRST : 'This server wants you to log in with AUTH before it takes recipients.';
  if (code === 555) return 'The server does not know a parameter you put after the address; send RCPT TO again without it (RFC 5321 §4.1.1.11).';
  if (code === 553 && subject === '6.7') return 'A non-ASCII address needs SMTPUTF8 on MAIL FROM (RFC 6531 §3.5): start again with MAIL FROM:<...> SMTPUTF8.';
  if (subject === '3.0' && code < 500) return 'The receiving server has a temporary problem of its own (4.3.0): this recipient is deferred, and the sender keeps the message and tries again later.';
  if (code === 452) return 'The server is short of storage right now (§4.2.3); this recipient is not taken this time, a later retry may succeed.';
  if (code >= 400 && code < 500) return 'This recipient is deferred: not refused for good, so the sender keeps the message for it and tries again later. The transaction goes on with any recipients already accepted.';
  if (code >= 500) return 'This recipient is refused. The transaction goes on with any recipients already accepted.';
  return null;
}

/** A name after EHLO or HELO that a strict server will not take; the session goes on without it. */
function refusedHelloName({ code, enhanced }: Reply): string | null {
  if (code === 504) return 'Give a fully-qualified domain name (§2.3.5), not a bare one.';
  if (enhanced === '4.7.25') return 'No PTR name of your address leads back to it (RFC 7372).';
  return code === 550 ? 'Give the PTR name of your address: strict servers insist (§4.1.4 says they must not).' : null;
}

/** The reply to the end of the message data: one answer for the whole message and every recipient. */
function endOfData(reply: Reply): string | null {
  const { code } = reply;
  const subject = subjectOf(reply);
  if (code === 250) return 'The message is accepted: the server is now responsible for delivering it (§4.1.1.4, §6.1). The transaction is over; MAIL FROM starts another.';
  if (code >= 400 && code < 500) {
    return 'The whole message was not accepted this time, for every recipient of the transaction: none of them gets it yet. It is temporary, so the sender keeps it and sends it again later. The transaction is over.';
  }
  if (code < 500) return null;
  const why =
    subject === '3.4' || code === 552 ? ' It is bigger than the server takes (its SIZE limit).'
    : subject === '6.1' || subject === '6.0' ? ' The server does not take its content as sent, for example 8-bit bytes without BODY=8BITMIME on MAIL FROM (RFC 6152).'
    : subject === '7.1' || subject === '7.26' ? ' Policy refused it, for example the DMARC policy of the domain in From: (RFC 7489).'
    : '';
  return `The whole message was refused, for every recipient accepted in this transaction: none of them gets it, and the sender must not retry it unchanged.${why} The transaction is over.`;
}

const RULES: Record<string, ContextRule> = {
  [GREETING]: ({ code }) =>
    code === 220 ? "This is the server's greeting, the first line of the session. Say EHLO next."
    : code === 554 ? 'As a greeting, 554 means "no SMTP service here" (§3.1): only QUIT is useful; other commands get 503.'
    : code === 521 ? 'As a greeting, 521 says this host never accepts mail (RFC 7504): do not retry, send to another host of the domain.'
    : code === 421 ? 'The server refuses the connection right at the start; it will close it.'
    : null,

  EHLO: (reply) => {
    const { code, lines } = reply;
    if (code === 250) {
      const count = Math.max(lines.length - 1, 0);
      return `The server accepts your EHLO and speaks ESMTP. The first line is its name; ${
        count === 0 ? 'it lists no extensions' : `the ${count} line${count === 1 ? '' : 's'} after it name the extensions it supports`
      }. An accepted EHLO also clears any unfinished transaction (§4.1.4).`;
    }
    if (code === 500 || code === 502) return 'An older server that does not know EHLO: try HELO instead (§3.2).';
    if (code === 501) return 'Check the domain you gave after EHLO.';
    return refusedHelloName(reply);
  },

  HELO: (reply) =>
    reply.code === 250 ? 'Plain SMTP: after HELO the server announces no extensions, so none may be used. It also clears any unfinished transaction.' : refusedHelloName(reply),

  MAIL: (reply) => {
    const { code } = reply;
    const subject = subjectOf(reply);
    if (code === 250) return 'The sender (reverse-path) is accepted and a mail transaction has begun. Add recipients with RCPT TO.';
    if (code === 503) return 'MAIL came at the wrong time: the server has not accepted EHLO/HELO yet, or a transaction is already open (RSET abandons it).';
    if (code === 552) return 'The SIZE you declared is over the limit in the EHLO reply (RFC 1870).';
    if (code === 530) return STARTTLS_FIRST.test(wordsOf(reply)) ? START_TLS_FIRST : 'This server wants you to log in with AUTH before MAIL FROM.';
    if (code === 555) return 'The server does not know a parameter you put after the address (or does not offer it: check the EHLO list); send MAIL FROM again without it (RFC 5321 §4.1.1.11).';
    if (code === 553 && subject === '6.7') return 'A non-ASCII address needs the SMTPUTF8 parameter (RFC 6531 §3.5): send MAIL FROM:<...> SMTPUTF8.';
    if (code === 452 || code === 451) return 'The server cannot take new mail right now (its queue is full or it hit a problem): no transaction has begun; try again later.';
    if (code === 550 || code === 553) return 'The sender address was refused; no transaction has begun.';
    return null;
  },

  RCPT: (reply) => {
    const { code } = reply;
    if (code === 250 || code === 251) return 'This recipient is accepted. Add more with RCPT TO, or send DATA when you are done.';
    if (code === 503) return 'RCPT came before an accepted MAIL FROM: start the transaction with MAIL FROM first.';
    return refusedRecipient(reply);
  },

  DATA: ({ code }) => {
    if (code === 354) {
      return 'Now send the message itself. Until a line holding only ".", your lines are content, not commands. A line that begins with "." must be sent with one more "." (dot-stuffing, §4.5.2).';
    }
    if (code === 503 || code === 554) return 'DATA needs at least one accepted recipient (§3.3): send MAIL FROM and RCPT TO first.';
    return null;
  },

  [END_OF_DATA]: endOfData,

  BDAT: ({ code }, argument) => {
    const last = /\sLAST\s*$/i.test(` ${argument}`);
    if (code === 250) return last ? 'The last chunk arrived and the message is accepted (RFC 3030).' : 'The chunk arrived; send the next BDAT (add LAST to the final one).';
    if (code === 503) return 'BDAT needs an accepted MAIL FROM and at least one recipient, and cannot be mixed with DATA (RFC 3030).';
    return null;
  },

  STARTTLS: ({ code }) => {
    if (code === 220) {
      return 'Start the TLS handshake now, before sending anything else. Afterwards the session starts over: send EHLO again, because the server forgets everything said before (RFC 3207 §4.2).';
    }
    if (code === 454) return 'TLS is not available right now (RFC 3207 §4).';
    if (code === 501) return 'STARTTLS takes no parameters (RFC 3207 §4).';
    if (code === 503) return 'The connection is already encrypted: STARTTLS works once per session (RFC 3207 §4.2).';
    if (code === 500 || code === 502) return 'This server does not offer TLS at all: the session stays in plain text. A sender bound by an MTA-STS policy (RFC 8461) stops here rather than send in clear.';
    return null;
  },

  AUTH: (reply) => {
    const { code } = reply;
    if (code === 503) return 'AUTH is not allowed now: you are already logged in, or a mail transaction is open (RFC 4954 §4).';
    if (code === 504) return 'The server does not offer this mechanism; pick one from the AUTH line of the EHLO reply.';
    if (code === 501) return 'The AUTH line was malformed, for example the initial response was not valid base64.';
    if (code === 530 || code === 538) return 'Not over a plain connection: send STARTTLS, then EHLO again; AUTH is offered inside TLS, so the password never crosses the wire in clear (RFC 4954 §4, RFC 3207).';
    if (code === 535) return 'The user name or password is wrong; nothing else changed. Check them and send AUTH again.';
    if (code === 534) return 'This mechanism is too weak for this server; choose another one from the AUTH line of the EHLO reply.';
    if (code === 454) return 'A temporary problem on the server stopped the login; try AUTH again later.';
    if (code === 502) return 'This server does not offer AUTH at all: a mail exchanger takes mail for its own domains from anyone, without a login. Logging in is for your own provider\'s submission server (RFC 6409).';
    if (code === 432) return 'Log in once with PLAIN (inside TLS) so the server can convert your password, then the mechanism you chose will work (RFC 4954 §6).';
    return null;
  },

  HELP: ({ code }) => (code === 214 || code === 211 ? 'Help text for a human reader; it changes nothing in the session.' : null),
  QUIT: ({ code }) => (code === 221 ? 'The session is over; the server closes the connection.' : null),
  RSET: ({ code }) =>
    code === 250 ? 'The transaction is cleared: sender, recipients and content are forgotten. Your EHLO still counts.' : null,
  NOOP: ({ code }) => (code === 250 ? 'NOOP does nothing; this 250 just shows the server is listening.' : null),
  VRFY: ({ code }) =>
    code === 250 || code === 251 ? 'The server confirms this user exists.'
    : code === 252 ? 'The server will not say whether the user exists; many servers answer this way for privacy.'
    : code === 550 ? 'The server says no such user exists here.'
    : code === 502 ? 'VRFY is switched off here, which is common: it would help spammers find addresses.'
    : null,
  EXPN: ({ code }) =>
    code === 502 || code === 550 ? 'EXPN would list the members of a mailing list; this server does not offer it (RFC 5321 §3.5.2, §7.3), which is common: it would hand spammers a list of addresses.'
    : code === 252 ? 'The server will not expand the list, but would accept mail for it.'
    : null,
};

/** Replies whose meaning comes from the code alone, whatever command they answer. */
function byCode(reply: Reply, command: string | undefined): string | null {
  switch (reply.code) {
    case 334:
      return explainChallenge(reply.lines[0] ?? '');
    case 235:
      return 'You are logged in for the rest of this session.';
    case 501:
      return command?.trim() === '*' ? 'You cancelled the login with "*"; the server ends the AUTH exchange (RFC 4954 §4).' : null;
    case 421:
      return 'The server is closing the connection and will answer no further commands.';
    default:
      return null;
  }
}

function explainChallenge(text: string): string {
  const challenge = text.trim();
  if (challenge === '') return 'An empty challenge: the server waits for your first base64 response, e.g. the AUTH PLAIN credentials.';
  const decoded = decodeBase64(challenge);
  if (decoded === null) return `The challenge "${challenge}" is not valid base64, so it cannot be decoded.`;
  return `The challenge "${challenge}" is base64 for "${decoded}". Answer with your reply in base64 (base64 is an encoding, not encryption).`;
}

/**
 * Extra words for a reply in the light of its command. `command` is the client line it answers;
 * undefined or GREETING for the greeting, END_OF_DATA (".") for the reply to the end of DATA.
 */
export function replyInContext(reply: Reply, command: string | undefined): string | null {
  const line = command ?? GREETING;
  const parsed = line === GREETING || line === END_OF_DATA ? { verb: line, argument: '' } : parseCommand(line);
  return RULES[parsed.verb]?.(reply, parsed.argument) ?? byCode(reply, command);
}
