/**
 * The few header fields a message list shows (From, To, Subject, Date), read from the header block
 * alone. A full MIME parse of every accepted message cost more than everything else the lab does
 * per message; a list needs none of the body, so the body is parsed only when someone opens it.
 * Decoding is mailparser's and libmime's own, so a summary reads as the full parse would.
 */
import libmime from 'libmime';
import { parseAddressHeader, type EmailAddress } from 'mailparser';

export interface HeaderSummary {
  from: string;
  to: string[];
  subject: string;
  /** ISO 8601, or null when the Date header is missing or unreadable. */
  date: string | null;
}

/** A header block longer than this is junk a learner typed; reading further would only cost time. */
export const MAX_HEADER_BYTES = 256 * 1024;

const CR = 0x0d;
const LF = 0x0a;

/** Summary fields from the raw source; a message with no readable headers gives empty fields. */
export function headerSummary(raw: Buffer): HeaderSummary {
  const headers = libmime.decodeHeaders(headerBlock(raw).toString('utf8'), { skipPrototypeKeys: true });
  const subject = headers.subject?.[0];
  const date = headers.date?.[0] ? new Date(headers.date[0]) : null;
  return {
    from: addressTexts(headers.from).join(', '),
    to: addressTexts(headers.to),
    subject: subject ? decodeWords(subject) : '',
    date: date && !Number.isNaN(date.getTime()) ? date.toISOString() : null,
  };
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

function decodeWords(value: string): string {
  try {
    return libmime.decodeWords(value).trim();
  } catch {
    return value; // a broken encoded word still shows as typed
  }
}

function addressTexts(values: string[] | undefined): string[] {
  if (!values?.length) return [];
  return parseAddressHeader(values).value.flatMap(addressText);
}

function addressText(entry: EmailAddress): string[] {
  if (entry.group) return entry.group.flatMap(addressText);
  if (!entry.address) return entry.name ? [entry.name] : [];
  return [entry.name ? `${entry.name} <${entry.address}>` : entry.address];
}
