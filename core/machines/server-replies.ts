/**
 * Reply chips for "Be the server": the common answers to the command the client is waiting on,
 * read from the session statechart (the same wire events, seen from the server's side). The oldest
 * unanswered command decides: a reply always answers `pending[0]`. Suggestions only: the learner
 * may type anything valid, and every suggestion here passes core's reply check.
 */
import { AUTH_RESPONSE, END_OF_DATA, GREETING, type SessionContext, type SessionStateName } from './session-model';

export interface ReplyChip {
  /** What the chip says it does. */
  label: string;
  /** The reply's lines, as they will be sent. */
  lines: string[];
}

const HOST = 'mx.you.test';

/** The EHLO reply with these extensions (RFC 5321 §4.1.1.1: the first line names the server). */
function ehlo(extensions: string[]): string[] {
  const all = [HOST, ...extensions];
  return all.map((text, i) => `250${i === all.length - 1 ? ' ' : '-'}${text}`);
}

const chip = (label: string, ...lines: string[]): ReplyChip => ({ label, lines });

export function replyChips(state: SessionStateName, context: SessionContext): ReplyChip[] {
  if (state === 'closed') return [];
  const waiting = context.pending[0];
  if (!waiting) return [chip('Close the session (421)', '421 4.3.2 closing, goodbye')];
  // Verbs come upper-cased from the command grammar; the greeting and the end of data are markers.
  switch (waiting.verb) {
    case GREETING:
      return [chip('Greet (220)', `220 ${HOST} ESMTP ready`), chip('Refuse service (554)', '554 5.3.2 no service here'), chip('Busy (421)', '421 4.3.2 too busy, try later')];
    case 'EHLO':
      return [
        chip('Hello, no extensions', ...ehlo([])),
        ...(context.tls ? [chip('Offer AUTH', ...ehlo(['AUTH PLAIN LOGIN', '8BITMIME']))] : [chip('Offer STARTTLS', ...ehlo(['STARTTLS', '8BITMIME']))]),
        chip('Offer PIPELINING', ...ehlo(['PIPELINING', '8BITMIME'])),
        chip('Offer SIZE 10240', ...ehlo(['SIZE 10240', '8BITMIME'])),
        chip('Not implemented (502)', '502 5.5.1 EHLO not implemented, try HELO'),
      ];
    case 'HELO':
      return [chip('Hello (250)', `250 ${HOST}`)];
    case 'STARTTLS':
      return [chip('Start TLS (220)', '220 2.0.0 ready to start TLS'), chip('No TLS now (454)', '454 4.7.0 TLS not available')];
    case 'AUTH':
    case AUTH_RESPONSE:
      return [
        chip('Logged in (235)', '235 2.7.0 authentication succeeded'),
        chip('Bad credentials (535)', '535 5.7.8 authentication credentials invalid'),
        chip('Ask for the user name (334)', '334 VXNlcm5hbWU6'),
        chip('Ask for the password (334)', '334 UGFzc3dvcmQ6'),
      ];
    case 'MAIL':
      return [
        chip('Sender OK (250)', '250 2.1.0 sender OK'),
        chip('Too big (552)', '552 5.3.4 message size exceeds the limit'),
        chip('Try later (451)', '451 4.3.0 temporary problem, try later'),
        chip('Refuse sender (550)', '550 5.7.1 sender refused'),
      ];
    case 'RCPT':
      return [
        chip('Recipient OK (250)', '250 2.1.5 recipient OK'),
        chip('No such user (550)', '550 5.1.1 no such user here'),
        chip('Mailbox busy, try later (450)', '450 4.2.1 mailbox busy, try later'),
        chip('Too many recipients (452)', '452 4.5.3 too many recipients'),
      ];
    case 'DATA':
      return [chip('Go ahead (354)', '354 end data with <CR><LF>.<CR><LF>'), chip('No valid recipients (554)', '554 5.5.1 no valid recipients')];
    case END_OF_DATA:
      return [
        chip('Accept the message (250)', '250 2.0.0 queued'),
        chip('Try later (451)', '451 4.3.0 local error, try again later'),
        chip('Refuse the message (554)', '554 5.6.0 message refused'),
        chip('Too big (552)', '552 5.3.4 message too big'),
      ];
    case 'RSET':
    case 'NOOP':
      return [chip('OK (250)', '250 2.0.0 OK')];
    case 'QUIT':
      return [chip('Goodbye (221)', '221 2.0.0 bye')];
    case 'VRFY':
      return [chip('Cannot verify (252)', '252 2.5.2 cannot verify, but will accept')];
    default:
      return [chip('Unknown command (500)', '500 5.5.2 command not recognized'), chip('Not implemented (502)', '502 5.5.1 not implemented')];
  }
}
