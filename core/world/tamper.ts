/**
 * "Tamper in transit": a switch on a world host that changes one byte of the mail travelling to it,
 * after the sender signed it, as a middlebox on the way might. What DKIM (RFC 6376) then says shows
 * what it protects: the body (through bh=, §3.7) and the header fields named in h= (§5.4), and
 * nothing else. Pure: the world flips the byte before the bytes reach the wire, so the recorded
 * conversation shows them as they travelled.
 */

/** off; one body byte; one byte of a header field the signature covers (h=); one of a field it does not. */
export const TAMPER_MODES = ['off', 'body', 'signed-header', 'unsigned-header'] as const;
export type TamperMode = (typeof TAMPER_MODES)[number];

export interface Tampering {
  raw: Uint8Array;
  /** Which byte changed and how, e.g. `Subject: "H" became "h" (byte 412)`. */
  what: string;
}

const CR = 13;
const LF = 10;

/** The message with one byte changed as `mode` says, or null when it has no such byte to change. */
export function tamperInTransit(raw: Uint8Array, mode: Exclude<TamperMode, 'off'>): Tampering | null {
  const bodyStart = headerEnd(raw);
  if (mode === 'body') {
    const at = firstAlphanumeric(raw, bodyStart, raw.length);
    return at === -1 ? null : flip(raw, at, 'the body');
  }
  const fields = headerFields(raw, bodyStart);
  const signed = signedNames(raw, fields);
  const wanted = (name: string) => name !== 'dkim-signature' && signed.has(name) === (mode === 'signed-header');
  // Subject is the field a reader notices: the signed choice when it is signed. Of fields that
  // share a name, the signature covers the last one (RFC 6376 §5.4.2).
  const field = mode === 'signed-header' ? (fields.findLast((f) => f.name === 'subject' && wanted(f.name)) ?? fields.findLast((f) => wanted(f.name))) : fields.find((f) => wanted(f.name));
  if (!field) return null;
  const at = firstAlphanumeric(raw, field.valueStart, field.end);
  return at === -1 ? null : flip(raw, at, `${field.display}:`);
}

interface HeaderField {
  name: string;
  display: string;
  valueStart: number;
  end: number;
}

/** The offset just past the blank line that ends the header (the message's length when there is none). */
function headerEnd(raw: Uint8Array): number {
  for (let i = 0; i + 3 < raw.length; i++) {
    if (raw[i] === CR && raw[i + 1] === LF && raw[i + 2] === CR && raw[i + 3] === LF) return i + 4;
  }
  return raw.length;
}

/** Header fields with their folded lines, by byte offsets. */
function headerFields(raw: Uint8Array, end: number): HeaderField[] {
  const fields: HeaderField[] = [];
  let start = 0;
  while (start < end) {
    let stop = start;
    // A field runs until a line break not followed by white space (a folded line goes on).
    while (stop < end && !(raw[stop] === LF && raw[stop + 1] !== 32 && raw[stop + 1] !== 9)) stop++;
    const colon = raw.indexOf(58, start);
    if (colon > start && colon < stop) {
      const display = ascii(raw, start, colon).trim();
      fields.push({ name: display.toLowerCase(), display, valueStart: colon + 1, end: stop });
    }
    start = stop + 1;
  }
  return fields;
}

/** The names in the first DKIM-Signature's h= tag, lower case (empty when the mail is not signed). */
function signedNames(raw: Uint8Array, fields: HeaderField[]): Set<string> {
  const dkim = fields.find((f) => f.name === 'dkim-signature');
  if (!dkim) return new Set();
  const value = ascii(raw, dkim.valueStart, dkim.end);
  const h = /(?:^|;)\s*h\s*=([^;]*)/.exec(value)?.[1] ?? '';
  return new Set(h.replace(/\s+/g, '').toLowerCase().split(':').filter(Boolean));
}

function firstAlphanumeric(raw: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const b = raw[i] ?? 0;
    if ((b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122)) return i;
  }
  return -1;
}

/** A copy with the byte at `at` changed: a letter changes case, a digit counts on by one. */
function flip(raw: Uint8Array, at: number, where: string): Tampering {
  // A copy, never a view: a Buffer's slice shares the bytes, and the signed original is kept for retries.
  const copy = new Uint8Array(raw);
  const b = raw[at] ?? 0;
  copy[at] = b >= 48 && b <= 57 ? 48 + ((b - 48 + 1) % 10) : b ^ 0x20;
  return { raw: copy, what: `${where} "${String.fromCharCode(b)}" became "${String.fromCharCode(copy[at] ?? 0)}" (byte ${at})` };
}

function ascii(raw: Uint8Array, from: number, to: number): string {
  let text = '';
  for (let i = from; i < to; i++) text += String.fromCharCode(raw[i] ?? 0);
  return text;
}
