/**
 * One line of message content, sent after 354. The server reads lines, not commands, until a
 * line holding only "." (RFC 5321 §4.1.1.4), and removes one leading dot from other lines (§4.5.2).
 */

import { MAX_TEXT_LINE, CRLF_OCTETS, utf8Length } from './limits';

export interface DataLineExplanation {
  title: string;
  meaning: string;
  rfc: string;
  parts: Array<{ text: string; meaning: string }>;
  problem: string | null;
}

/** Header fields a learner is likely to write, and what each one is for. */
const HEADER_FIELDS: Record<string, string> = {
  FROM: 'the author of the message (RFC 5322 §3.6.2). The reader sees this; it can differ from the envelope MAIL FROM.',
  TO: 'the primary recipients, as the reader sees them (RFC 5322 §3.6.3). Who really receives it is decided by RCPT TO.',
  CC: 'further recipients shown to everyone (RFC 5322 §3.6.3). They also need their own RCPT TO.',
  BCC: 'hidden recipients (RFC 5322 §3.6.3); usually removed before sending, since RCPT TO is what delivers.',
  SUBJECT: 'the topic of the message (RFC 5322 §3.6.5).',
  DATE: 'when the message was written (RFC 5322 §3.6.1), e.g. "Mon, 6 Jan 2025 10:00:00 +0000".',
  'MESSAGE-ID': 'a unique identifier for this message, like <unique@example.test> (RFC 5322 §3.6.4).',
  'REPLY-TO': 'where replies should go, if not to the From address (RFC 5322 §3.6.2).',
  'MIME-VERSION': 'says the message uses MIME (RFC 2045 §4); it is always "1.0".',
  'CONTENT-TYPE': 'the kind of body, e.g. "text/plain; charset=utf-8" (RFC 2045 §5).',
  'CONTENT-TRANSFER-ENCODING': 'how the body is encoded for transport, e.g. 7bit, quoted-printable or base64 (RFC 2045 §6).',
  RECEIVED: 'a trace line each server adds when it takes the message (RFC 5321 §4.4); normally not written by hand.',
};

// RFC 5322 §2.2: a field name is printable US-ASCII except ":", followed directly by ":".
const HEADER_FIELD = /^([!-9;-~]+):(.*)$/;

function tooLong(line: string): string | null {
  const octets = utf8Length(line) + CRLF_OCTETS;
  return octets > MAX_TEXT_LINE
    ? `This line is ${octets} octets with its CRLF; RFC 5321 §4.5.3.1.6 only guarantees ${MAX_TEXT_LINE}, so the server may refuse the message.`
    : null;
}

export function explainDataLine(line: string): DataLineExplanation {
  const whole = (title: string, meaning: string, rfc: string, problem: string | null = null): DataLineExplanation => ({
    title,
    meaning,
    rfc,
    parts: [{ text: line, meaning }],
    problem: problem ?? tooLong(line),
  });

  if (line === '.') {
    return whole('End of data', 'A line holding only "." ends the message. The server now answers: 250 if it accepts the message.', 'RFC 5321 §4.1.1.4');
  }
  if (line.startsWith('.')) {
    const stored = line.slice(1);
    if (line.startsWith('..')) {
      const shows = stored === '.' ? 'a line holding just "."' : `"${stored}"`;
      return whole('Dot-stuffed line', `A dot-stuffed line: the server removes the first dot, so the message will contain ${shows}.`, 'RFC 5321 §4.5.2');
    }
    return whole(
      'Line starting with "."',
      `The server removes one leading dot, so the message will contain "${stored}".`,
      'RFC 5321 §4.5.2',
      `This line begins with ".", so the server will remove that dot and store "${stored}". To keep it, type "..${stored}" (dot-stuffing, RFC 5321 §4.5.2).`,
    );
  }
  if (line === '') {
    return whole(
      'Blank line',
      'The first blank line ends the header section; everything after it is the body. Later blank lines are simply part of the body.',
      'RFC 5322 §2.1',
    );
  }
  if (/^[ \t]/.test(line)) {
    return whole('Continued line', 'In the header section, a line starting with a space or tab continues the field above (folding); in the body it is ordinary text.', 'RFC 5322 §2.2.3');
  }

  const header = HEADER_FIELD.exec(line);
  if (header) {
    const [, name = '', value = ''] = header;
    const about = HEADER_FIELDS[name.toUpperCase()];
    const nameMeaning = about ? `The ${name} header field: ${about}` : `A header field named "${name}".`;
    const meaning = `Before the first blank line this is a header field, "name: value"; after it, just body text. ${nameMeaning}`;
    return {
      title: 'Header field',
      meaning,
      rfc: 'RFC 5322 §2.2',
      parts: [
        { text: `${name}:`, meaning: nameMeaning },
        { text: value.trimStart(), meaning: 'The field value.' },
      ],
      problem: tooLong(line),
    };
  }
  return whole('Text line', 'A line of message text: part of the body (or a malformed header line, if it comes before the first blank line).', 'RFC 5322 §2.3');
}
