/**
 * Is what the learner typed, as the server, a valid SMTP reply (RFC 5321 §4.2)? Checked before it
 * is sent: a line a client cannot read as a reply is refused here with the reason and never goes
 * on the wire. Anything valid goes out exactly as typed, however unwise, so the learner sees what
 * the client does with it. Several complete replies at once are allowed: a server answers a
 * pipelined batch (RFC 2920) that way.
 */
import { parseReplyLine } from './reply';
import { CRLF_OCTETS, MAX_REPLY_LINE, utf8Length } from './limits';

export type ReplyCheck =
  | { ok: true; lines: string[] }
  /** `line`: which typed line (from 1) the reason is about. */
  | { ok: false; reason: string; line: number };

/** Something that looks like an enhanced status code (RFC 3463) at the start of a reply's text. */
const ENHANCED_SHAPE = /^(\d)\.\d{1,3}\.\d{1,3}(?:\s|$)/;

/** Check typed reply lines (CR and LF already stripped, one entry per line). */
export function checkReply(typed: readonly string[]): ReplyCheck {
  const lines = typed.map((line) => line.replace(/[\r\n]/g, ''));
  if (lines.length === 0 || lines.every((line) => line === '')) {
    return refuse('Type a reply: a three-digit code and its text, e.g. "250 OK".', 1);
  }
  /** The code of the multi-line reply still open (its last line was `NNN-`), or null. */
  let open: number | null = null;
  for (const [index, line] of lines.entries()) {
    const number = index + 1;
    if (utf8Length(line) + CRLF_OCTETS > MAX_REPLY_LINE) {
      return refuse(`Line ${number} is ${utf8Length(line)} octets: a reply line holds at most ${MAX_REPLY_LINE} with its CRLF (RFC 5321 §4.5.3.1.5).`, number);
    }
    if (!/^\d{3}/.test(line)) {
      return refuse(`Line ${number} does not start with a three-digit code: every reply line does (RFC 5321 §4.2), e.g. "250 OK".`, number);
    }
    const parsed = parseReplyLine(line);
    if (!parsed) {
      if (!/^[2-5]/.test(line)) return refuse(`${line.slice(0, 3)} is not an SMTP code: the first digit is 2, 3, 4 or 5 (RFC 5321 §4.2.1).`, number);
      return refuse(`After the code ${line.slice(0, 3)} comes a space (or "-" on every line but the last of a multi-line reply), then the text (RFC 5321 §4.2).`, number);
    }
    if (open !== null && parsed.code !== open) {
      return refuse(`Line ${number} has ${parsed.code}, but the reply it continues has ${open}: every line of a multi-line reply has the same code (RFC 5321 §4.2.1).`, number);
    }
    const enhanced = ENHANCED_SHAPE.exec(parsed.text);
    if (enhanced) {
      const codeClass = String(parsed.code)[0] as string;
      const enhancedClass = enhanced[1] as string;
      const code = parsed.text.split(/\s/)[0] ?? '';
      if (codeClass === '3') {
        return refuse(`A ${parsed.code} reply carries no enhanced code: RFC 3463's classes are 2 (success), 4 and 5 only; drop "${code}".`, number);
      }
      if (enhancedClass !== codeClass) {
        return refuse(
          `The enhanced code ${code} says class ${enhancedClass}, but ${parsed.code} says ${codeClass}: they must agree (RFC 3463 §2), e.g. "${parsed.code} ${codeClass}${code.slice(1)}".`,
          number,
        );
      }
    }
    open = parsed.final ? null : parsed.code;
  }
  if (open !== null) {
    return refuse(`The reply is not finished: ${open}- lines must end with a "${open} " line (RFC 5321 §4.2.1), or the client waits for it.`, lines.length);
  }
  return { ok: true, lines };
}

function refuse(reason: string, line: number): ReplyCheck {
  return { ok: false, reason, line };
}
