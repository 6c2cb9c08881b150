/**
 * What a reply means given the command it answers: the same 250 or 503 says different things
 * after EHLO, MAIL or RCPT. Used by reply-catalog.ts; RFC sections are RFC 5321 unless named.
 */

import { parseCommand } from './command';
import { decodeBase64 } from './base64';
import type { Reply } from './reply';

/** Command value meaning "this reply is the greeting", for callers that prefer a marker to undefined. */
export const GREETING = '<greeting>';
/** Command value for the reply to the end of message data (the lone "." line). */
export const END_OF_DATA = '.';

type ContextRule = (reply: Reply, argument: string) => string | null;

const TOO_MANY_RECIPIENTS =
  'Too many recipients for one message (§4.5.3.1.10): send DATA for those accepted so far and the rest in a new transaction.';

const RULES: Record<string, ContextRule> = {
  [GREETING]: ({ code }) =>
    code === 220 ? "This is the server's greeting, the first line of the session. Say EHLO next."
    : code === 554 ? 'As a greeting, 554 means "no SMTP service here" (§3.1): only QUIT is useful; other commands get 503.'
    : code === 421 ? 'The server refuses the connection right at the start; it will close it.'
    : null,

  EHLO: ({ code, lines }) => {
    if (code === 250) {
      const count = Math.max(lines.length - 1, 0);
      return `The server accepts your EHLO and speaks ESMTP. The first line is its name; ${
        count === 0 ? 'it lists no extensions' : `the ${count} line${count === 1 ? '' : 's'} after it name the extensions it supports`
      }. An accepted EHLO also clears any unfinished transaction (§4.1.4).`;
    }
    if (code === 500 || code === 502) return 'An older server that does not know EHLO: try HELO instead (§3.2).';
    if (code === 501) return 'Check the domain you gave after EHLO.';
    return null;
  },

  HELO: ({ code }) =>
    code === 250 ? 'Plain SMTP: after HELO the server announces no extensions, so none may be used. It also clears any unfinished transaction.' : null,

  MAIL: ({ code }) => {
    if (code === 250) return 'The sender (reverse-path) is accepted and a mail transaction has begun. Add recipients with RCPT TO.';
    if (code === 503) return 'MAIL came at the wrong time: the server has not accepted EHLO/HELO yet, or a transaction is already open (RSET abandons it).';
    if (code === 552) return 'The SIZE you declared is over the limit in the EHLO reply (RFC 1870).';
    if (code === 530) return 'This server wants you to log in with AUTH before MAIL FROM.';
    if (code === 550 || code === 553) return 'The sender address was refused; no transaction has begun.';
    return null;
  },

  RCPT: ({ code }) => {
    if (code === 250 || code === 251) return 'This recipient is accepted. Add more with RCPT TO, or send DATA when you are done.';
    if (code === 503) return 'RCPT came before an accepted MAIL FROM: start the transaction with MAIL FROM first.';
    if (code === 452 || code === 552) return TOO_MANY_RECIPIENTS;
    if (code === 550 || code === 551 || code === 553) return 'This recipient is refused. The transaction goes on with any recipients already accepted.';
    if (code === 530) return 'This server wants you to log in with AUTH before it takes recipients.';
    return null;
  },

  DATA: ({ code }) => {
    if (code === 354) {
      return 'Now send the message itself. Until a line holding only ".", your lines are content, not commands. A line that begins with "." must be sent with one more "." (dot-stuffing, §4.5.2).';
    }
    if (code === 503 || code === 554) return 'DATA needs at least one accepted recipient (§3.3): send MAIL FROM and RCPT TO first.';
    return null;
  },

  [END_OF_DATA]: ({ code }) =>
    code === 250 ? 'The message is accepted: the server is now responsible for delivering it (§4.1.1.4, §6.1). The transaction is over; MAIL FROM starts another.'
    : code >= 400 && code < 500 ? 'The message was not accepted this time. The transaction is over anyway; send the message again later.'
    : code >= 500 ? 'The message was refused. The transaction is over.'
    : null,

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
    return null;
  },

  AUTH: ({ code }) => {
    if (code === 503) return 'AUTH is not allowed now: you are already logged in, or a mail transaction is open (RFC 4954 §4).';
    if (code === 504) return 'The server does not offer this mechanism; pick one from the AUTH line of the EHLO reply.';
    if (code === 501) return 'The AUTH line was malformed, for example the initial response was not valid base64.';
    return null;
  },

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
    code === 502 || code === 550 ? 'The server does not reveal mailing list members, which is common.' : null,
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
