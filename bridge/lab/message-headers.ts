/**
 * The few header fields a message list shows (From, To, Subject, Date), read from the header block
 * alone. A full MIME parse of every accepted message cost more than everything else the lab does
 * per message; a list needs none of the body, so the body is parsed only when someone opens it
 * (in the browser). Encoded words and addresses are decoded by postal-mime, the parser the
 * message reader uses, so the list and the reader show the same subject and names.
 */
import { addressParser, decodeWords } from 'postal-mime';
import { addressTexts, isoDate } from '../../core/mail/addresses';
import { headerValue, readFields, type HeaderField } from '../../core/mail/header-fields';

export interface HeaderSummary {
  from: string;
  to: string[];
  subject: string;
  /** ISO 8601, or null when the Date header is missing or unreadable. */
  date: string | null;
}

/** The fields of a message whose headers cannot be read. */
export const NO_HEADER_SUMMARY: Readonly<HeaderSummary> = Object.freeze({ from: '', to: [], subject: '', date: null });

/** A header block longer than this is junk a learner typed; reading further would only cost time. */
export const MAX_HEADER_BYTES = 256 * 1024;

const CR = 0x0d;
const LF = 0x0a;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const windows1252 = new TextDecoder('windows-1252');

/** Summary fields from the raw source; a message with no readable headers gives empty fields. */
export function headerSummary(raw: Buffer): HeaderSummary {
  const headers = readFields(headerText(headerBlock(raw)));
  const subject = headerValue(headers, 'subject');
  return {
    from: addressTexts(addresses(headers, 'from').slice(0, 1)).join(', '),
    to: addressTexts(addresses(headers, 'to')),
    subject: subject ? decodeWords(subject).trim() : '',
    date: isoDate(headerValue(headers, 'date')),
  };
}

/** Raw 8-bit header bytes as the parser reads them: UTF-8, or Windows-1252 when they are not. */
function headerText(block: Buffer): string {
  let text: string;
  try {
    text = utf8.decode(block);
  } catch {
    text = windows1252.decode(block);
  }
  return text.replace(/\r\n/g, '\n');
}

/** Every address of every field of that name (a message may carry several To fields). */
function addresses(headers: readonly HeaderField[], name: string) {
  return headers.filter((field) => field.name.toLowerCase() === name && field.value).flatMap((field) => addressParser(field.value));
}

/** The bytes before the first empty line (CRLF CRLF, or bare LFs as smtp-server also accepts). */
export function headerBlock(raw: Buffer): Buffer {
  const limit = Math.min(raw.length, MAX_HEADER_BYTES);
  let lineStart = 0;
  for (let lf = raw.indexOf(LF); lf !== -1 && lf < limit; lf = raw.indexOf(LF, lf + 1)) {
    const lineLength = lf - lineStart - (lf > lineStart && raw[lf - 1] === CR ? 1 : 0);
    if (lineLength === 0) return raw.subarray(0, lineStart);
    lineStart = lf + 1;
  }
  return raw.subarray(0, limit);
}
