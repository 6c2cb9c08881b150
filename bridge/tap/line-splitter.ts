/**
 * Cuts a byte stream into lines for the record, knowing nothing about SMTP verbs (framing apart
 * from meaning). The bytes themselves are forwarded untouched elsewhere; this only decides what a
 * learner reads: long lines are kept short, and binary junk is shown escaped so it is visible and
 * harmless in a transcript.
 */
import { isAscii } from 'node:buffer';

/** Longest line kept in a record, in bytes; the rest is counted in `cut`. */
export const MAX_RECORDED_LINE = 4096;

export interface SplitLine {
  /** Printable text of the line without its line ending. */
  text: string;
  /** Bytes of the line not kept in `text` (0 when whole). */
  cut: number;
  /** Index in the chunk just past this line's LF: where the next line's bytes start. */
  end: number;
  /** The line ended in a bare LF, not CRLF (smtp-server ends DATA only at CRLF "." CRLF). */
  bareLf: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export class LineSplitter {
  readonly #limit: number;
  /** The kept head of the line still in progress, and how many bytes of it were dropped. */
  #parts: Buffer[] = [];
  #kept = 0;
  #dropped = 0;
  /** Last byte of the line in progress, to spot the CR of a CRLF even when it was dropped. */
  #last = -1;

  constructor(limit = MAX_RECORDED_LINE) {
    this.#limit = limit;
  }

  /** Feed bytes; returns the lines the chunk completes, in order. */
  push(chunk: Buffer): SplitLine[] {
    const lines: SplitLine[] = [];
    let start = 0;
    for (;;) {
      const lf = chunk.indexOf(LF, start);
      if (lf === -1) {
        if (start < chunk.length) this.#keep(chunk.subarray(start));
        break;
      }
      const end = lf > start && chunk[lf - 1] === CR ? lf - 1 : lf;
      if (this.pending === 0 && end - start <= this.#limit) {
        // The usual case, a whole line inside this chunk: read it in place, without copying.
        lines.push({ text: printable(chunk.subarray(start, end)), cut: 0, end: lf + 1, bareLf: end === lf });
      } else {
        this.#keep(chunk.subarray(start, lf));
        const bareLf = this.#last !== CR;
        const line = this.#finish();
        lines.push({ text: line.text, cut: line.cut, end: lf + 1, bareLf });
      }
      start = lf + 1;
    }
    return lines;
  }

  /** Bytes received since the last complete line (the line in progress). */
  get pending(): number {
    return this.#kept + this.#dropped;
  }

  /** The line in progress, as if it had ended here (for a connection that closes mid-line). */
  flush(): Omit<SplitLine, 'end' | 'bareLf'> | null {
    return this.pending > 0 ? this.#finish() : null;
  }

  #keep(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.#last = bytes[bytes.length - 1] ?? -1;
    // Keep one byte more than the limit so that a CR at the very end can still be told apart.
    const room = this.#limit + 1 - this.#kept;
    const head = room > 0 ? bytes.subarray(0, room) : bytes.subarray(0, 0);
    if (head.length) {
      this.#parts.push(Buffer.from(head)); // copy: the chunk's memory is reused by the socket
      this.#kept += head.length;
    }
    this.#dropped += bytes.length - head.length;
  }

  #finish(): Omit<SplitLine, 'end' | 'bareLf'> {
    let line = Buffer.concat(this.#parts, this.#kept);
    let dropped = this.#dropped;
    this.#parts = [];
    this.#kept = 0;
    this.#dropped = 0;
    // The CR of CRLF is the line ending, not content (a bare LF also ends a line, as in smtp-server).
    if (this.#last === CR) {
      if (dropped > 0) dropped -= 1;
      else line = line.subarray(0, line.length - 1);
    }
    this.#last = -1;
    if (line.length > this.#limit) {
      let cutAt = this.#limit;
      // Do not split a UTF-8 character: back off over continuation bytes.
      while (cutAt > 0 && ((line[cutAt] ?? 0) & 0xc0) === 0x80) cutAt--;
      dropped += line.length - cutAt;
      line = line.subarray(0, cutAt);
    }
    return { text: printable(line), cut: dropped };
  }
}

/**
 * Text a learner can read: UTF-8 when the bytes are UTF-8, every other byte as \xNN, and control
 * characters (except tab) as \xNN so they cannot move a cursor or clear a screen.
 */
export function printable(bytes: Buffer): string {
  let text: string;
  if (isAscii(bytes)) {
    // Nearly every SMTP line: latin1 is a plain byte copy, and no decoder can fail on ASCII.
    text = bytes.toString('latin1');
  } else {
    try {
      text = utf8.decode(bytes);
    } catch {
      text = '';
      for (const byte of bytes) text += byte < 0x80 ? String.fromCharCode(byte) : hex(byte);
    }
  }
  // Test first: most lines have no control characters, and test() builds no new string.
  return CONTROL.test(text) ? text.replace(CONTROL_ALL, (char) => hex(char.charCodeAt(0))) : text;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_ALL = /[\x00-\x08\x0a-\x1f\x7f]/g;

function hex(byte: number): string {
  return `\\x${byte.toString(16).padStart(2, '0')}`;
}
