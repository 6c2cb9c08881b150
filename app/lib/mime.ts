/**
 * A small MIME reader for the message view: the tree of parts (RFC 2045/2046) with each part's
 * type, its decoded text when it is text, and its size. Enough to show a multipart/alternative
 * with its HTML, a multipart/report (a bounce) with its delivery-status part, and attachments
 * by name; a message the reader cannot split is shown as one part, never as an error.
 */
import { splitHeaders, type HeaderField } from './message-source';

export interface MimePart {
  /** "1", "1.2", ... as IMAP numbers parts; "" for the message itself. */
  path: string;
  /** Lower-case type/subtype, e.g. "multipart/report". */
  type: string;
  /** The full Content-Type value, parameters included. */
  contentType: string;
  headers: HeaderField[];
  /** Decoded text of a text/* or message/* part; null for other leaves and multiparts. */
  text: string | null;
  /** Bytes of the encoded body as it travelled. */
  size: number;
  filename: string | null;
  encoding: string;
  children: MimePart[];
}

const MAX_DEPTH = 8;

export function headerValue(headers: readonly HeaderField[], name: string): string {
  return headers.find((h) => h.name.toLowerCase() === name)?.value ?? '';
}

export function parameter(value: string, name: string): string | null {
  const match = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

function bytesToText(bytes: Uint8Array, charset: string): string {
  try {
    return new TextDecoder(charset || 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

export function decodeBody(body: string, encoding: string, charset: string): string {
  const kind = encoding.toLowerCase();
  if (kind === 'base64') {
    try {
      const binary = atob(body.replace(/\s+/g, ''));
      return bytesToText(Uint8Array.from(binary, (c) => c.charCodeAt(0)), charset);
    } catch {
      return body;
    }
  }
  if (kind === 'quoted-printable') {
    const joined = body.replace(/=\n/g, '');
    const bytes: number[] = [];
    const encoder = new TextEncoder();
    for (let i = 0; i < joined.length; i++) {
      const hex = joined.slice(i + 1, i + 3);
      if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else {
        bytes.push(...encoder.encode(joined[i] ?? ''));
      }
    }
    return bytesToText(new Uint8Array(bytes), charset);
  }
  // 7bit/8bit: the source was read as UTF-8 already.
  return body;
}

function readPart(source: string, path: string, depth: number): MimePart {
  const { headers, body } = splitHeaders(source);
  const contentType = headerValue(headers, 'content-type') || 'text/plain; charset=us-ascii';
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase() || 'text/plain';
  const encoding = headerValue(headers, 'content-transfer-encoding').toLowerCase() || '7bit';
  const disposition = headerValue(headers, 'content-disposition');
  const filename = parameter(disposition, 'filename') ?? parameter(contentType, 'name');
  const part: MimePart = { path, type, contentType, headers, text: null, size: body.length, filename, encoding, children: [] };
  const child = (n: number) => (path ? `${path}.${n}` : `${n}`);
  if (type.startsWith('multipart/') && depth < MAX_DEPTH) {
    const boundary = parameter(contentType, 'boundary');
    if (boundary) {
      const pieces = body.split(new RegExp(`^--${escapeRegExp(boundary)}`, 'm')).slice(1);
      for (const piece of pieces) {
        if (piece.startsWith('--')) break;
        // The line break before a boundary belongs to the boundary (RFC 2046 §5.1.1).
        part.children.push(readPart(piece.replace(/^[^\n]*\n/, '').replace(/\n$/, ''), child(part.children.length + 1), depth + 1));
      }
    }
    return part;
  }
  if (type === 'message/rfc822' && depth < MAX_DEPTH) {
    part.children.push(readPart(body, child(1), depth + 1));
  }
  if (type.startsWith('text/') || type.startsWith('message/')) {
    part.text = decodeBody(body, encoding, parameter(contentType, 'charset') ?? 'utf-8');
  }
  return part;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function parseMime(source: string): MimePart {
  return readPart(source.replace(/\r\n/g, '\n'), '', 0);
}

/** Every part, depth first, the message itself first. */
export function allParts(root: MimePart): MimePart[] {
  return [root, ...root.children.flatMap(allParts)];
}

/** The first part of a type that is not an attachment, not looking inside attached messages. */
export function findPart(root: MimePart, type: string): MimePart | null {
  if (root.type === type && !/^attachment/i.test(headerValue(root.headers, 'content-disposition'))) return root;
  if (root.type === 'message/rfc822' && root.path !== '') return null;
  for (const child of root.children) {
    const found = findPart(child, type);
    if (found) return found;
  }
  return null;
}
