/**
 * The shape of a message for the MIME view: the tree of parts (RFC 2045/2046) with each part's
 * type, transfer encoding and size, numbered as IMAP numbers them. Structure only: nothing here
 * decodes a body, a charset, an encoded word or a file name — that is the MIME parser's job
 * (postal-mime, in the app and the bridge alike). Each part keeps its raw header block so the
 * parser can read what the part says about itself. A multipart whose boundary never appears is
 * marked, because every reader then shows nothing of its body and a learner deserves to know why.
 */
import { headerValue, parameter, readFields } from './header-fields';

export interface MimePart {
  /** "1", "1.2", ... as IMAP numbers parts; "" for the message itself. */
  path: string;
  /** Lower-case type/subtype, e.g. "multipart/report". */
  type: string;
  /** The full Content-Type value, parameters included, as it travelled. */
  contentType: string;
  /** Content-Transfer-Encoding in lower case, "7bit" when absent. */
  encoding: string;
  /** Bytes of the body as it travelled. */
  size: number;
  /** The part's own header block, raw bytes, for the parser that decodes it. */
  header: Uint8Array;
  /** A multipart whose declared boundary (or lack of one) splits nothing: its body is unreadable. */
  boundaryMissing: boolean;
  children: MimePart[];
}

/** Nesting deeper than this is shown as a leaf: no real message needs more, a hostile one might. */
export const MAX_MIME_DEPTH = 16;

/** Bytes as a string of the same length, one character per byte, so indices stay byte offsets. */
function byteString(bytes: Uint8Array): string {
  let text = '';
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) text += String.fromCharCode(...bytes.subarray(i, i + step));
  return text;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Where the header block ends and the body starts (after the first empty line). */
function headerEnd(source: string, start: number, end: number): { head: number; body: number } {
  if (start >= end) return { head: start, body: start };
  // A part that starts with an empty line has no header at all.
  if (source[start] === '\n') return { head: start, body: start + 1 };
  if (source.startsWith('\r\n', start)) return { head: start, body: start + 2 };
  const blank = /\r?\n\r?\n/g;
  blank.lastIndex = start;
  const found = blank.exec(source);
  if (!found || found.index >= end) return { head: end, body: end };
  return { head: found.index, body: Math.min(end, found.index + found[0].length) };
}

/**
 * The parts between the delimiter lines of one boundary (RFC 2046 §5.1.1): the line break before
 * a delimiter belongs to it, trailing white space after it is allowed, and a missing close
 * delimiter ends the last part at the end of the body, as mail readers do. Null when no line is
 * a delimiter.
 */
function splitAtBoundary(source: string, start: number, end: number, boundary: string): Array<[number, number]> | null {
  const delimiter = new RegExp(`(?:^|\\n)--${escapeRegExp(boundary)}(--)?[ \\t]*(?=\\r?\\n|$)`, 'g');
  const body = source.slice(start, end);
  const pieces: Array<[number, number]> = [];
  let open: number | null = null;
  let seen = false;
  for (const match of body.matchAll(delimiter)) {
    seen = true;
    if (open !== null) {
      // The CRLF (or LF) before the delimiter belongs to the delimiter, not to the part above it.
      let close = start + match.index;
      if (close > open && source[close - 1] === '\r') close--;
      pieces.push([open, Math.max(open, close)]);
    }
    if (match[1]) return pieces;
    const after = start + match.index + match[0].length;
    open = Math.min(end, after + (source[after] === '\r' ? 2 : 1));
  }
  if (open !== null) pieces.push([open, end]);
  return seen ? pieces : null;
}

function readPart(source: string, bytes: Uint8Array, start: number, end: number, path: string, depth: number): MimePart {
  const { head, body } = headerEnd(source, start, end);
  const headers = readFields(source.slice(start, head).replace(/\r\n/g, '\n'));
  const contentType = headerValue(headers, 'content-type') || 'text/plain; charset=us-ascii';
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase() || 'text/plain';
  const encoding = (headerValue(headers, 'content-transfer-encoding').split(/[\s(]/)[0] ?? '').toLowerCase() || '7bit';
  const part: MimePart = { path, type, contentType, encoding, size: end - body, header: bytes.subarray(start, head), boundaryMissing: false, children: [] };
  if (depth >= MAX_MIME_DEPTH) return part;
  const child = (n: number) => (path ? `${path}.${n}` : `${n}`);
  if (type.startsWith('multipart/')) {
    const boundary = parameter(contentType, 'boundary');
    const pieces = boundary ? splitAtBoundary(source, body, end, boundary) : null;
    if (!pieces) part.boundaryMissing = true;
    for (const [from, to] of pieces ?? []) part.children.push(readPart(source, bytes, from, to, child(part.children.length + 1), depth + 1));
  } else if (type === 'message/rfc822' && !['base64', 'quoted-printable'].includes(encoding)) {
    // An encoded message/rfc822 is not allowed (RFC 2046 §5.2.1); readers keep it as one attachment.
    part.children.push(readPart(source, bytes, body, end, child(1), depth + 1));
  }
  return part;
}

/** The tree of a message's parts, read from its raw bytes. */
export function mimeStructure(raw: Uint8Array): MimePart {
  return readPart(byteString(raw), raw, 0, raw.length, '', 0);
}

/** Every part, depth first, the message itself first. */
export function allParts(root: MimePart): MimePart[] {
  return [root, ...root.children.flatMap(allParts)];
}
