/** Grammar of server replies (RFC 5321 §4.2): `NNN-text` continues a reply, `NNN text` ends it. */

export interface ReplyLine {
  code: number;
  /** True on the last line of a reply (`NNN ` or a bare `NNN`). */
  final: boolean;
  /** Text after the code and separator. */
  text: string;
}

export interface Reply {
  code: number;
  /** RFC 3463 enhanced status code from the first line, e.g. "5.1.1", or null. */
  enhanced: string | null;
  /** Text of each line, without code and separator. */
  lines: string[];
}

const REPLY_LINE = /^([2-5][0-9][0-9])(?:([ -])(.*))?$/;
const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})(?:\s|$)/;

/** Parse one server line; null when it is not a reply line. */
export function parseReplyLine(line: string): ReplyLine | null {
  const match = REPLY_LINE.exec(line);
  if (!match) return null;
  return { code: Number(match[1]), final: match[2] !== '-', text: match[3] ?? '' };
}

export function enhancedCodeOf(text: string): string | null {
  const match = ENHANCED.exec(text);
  return match ? `${match[1]}.${match[2]}.${match[3]}` : null;
}

/**
 * Joins server lines into complete replies. Feed every server line; a Reply comes out when
 * its last line arrives. A line that is not a reply line is returned as a reply with code 0
 * so that callers can show it rather than lose it.
 */
export class ReplyAssembler {
  #lines: ReplyLine[] = [];

  push(line: string): Reply | null {
    const parsed = parseReplyLine(line);
    if (!parsed) {
      this.#lines = [];
      return { code: 0, enhanced: null, lines: [line] };
    }
    this.#lines.push(parsed);
    if (!parsed.final) return null;
    const lines = this.#lines;
    this.#lines = [];
    const first = lines[0] ?? parsed;
    return { code: first.code, enhanced: enhancedCodeOf(first.text), lines: lines.map((l) => l.text) };
  }

  /** True while a multi-line reply is incomplete. */
  get open(): boolean {
    return this.#lines.length > 0;
  }
}
