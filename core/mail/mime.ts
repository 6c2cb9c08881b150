/**
 * A small MIME reader for the message view: the tree of parts (RFC 2045/2046) with each part's
 * type, its decoded text when it is text, and its size. Enough to show a multipart/alternative
 * with its HTML, a multipart/report (a bounce) with its delivery-status part, and attachments
 * by name; a message the reader cannot split is shown as one part, never as an error.
 */
import { decodeBody, type DecodeText } from './body-decoding';
import { headerValue, parameter, splitHeaders, type HeaderField } from './header-fields';

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

function readPart(source: string, path: string, depth: number, decodeText?: DecodeText): MimePart {
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
        part.children.push(readPart(piece.replace(/^[^\n]*\n/, '').replace(/\n$/, ''), child(part.children.length + 1), depth + 1, decodeText));
      }
    }
    return part;
  }
  if (type === 'message/rfc822' && depth < MAX_DEPTH) {
    part.children.push(readPart(body, child(1), depth + 1, decodeText));
  }
  if (type.startsWith('text/') || type.startsWith('message/')) {
    part.text = decodeBody(body, encoding, parameter(contentType, 'charset') ?? 'utf-8', decodeText);
  }
  return part;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The tree of a message's parts; `decodeText` reads charsets beyond UTF-8 and Latin-1. */
export function parseMime(source: string, decodeText?: DecodeText): MimePart {
  return readPart(source.replace(/\r\n/g, '\n'), '', 0, decodeText);
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

function isAttachment(part: MimePart): boolean {
  return part.filename !== null || /^attachment/i.test(headerValue(part.headers, 'content-disposition'));
}

export interface MessageOverview {
  headers: HeaderField[];
  /** The first text/plain part that is not an attachment, decoded; null when there is none. */
  text: string | null;
  /** Names of the attachments, in order, for a short list. */
  attachments: string[];
}

/** What a quick look at a message shows: its header fields, its plain text and its attachments' names. */
export function overview(root: MimePart): MessageOverview {
  const summary: MessageOverview = { headers: root.headers, text: null, attachments: [] };
  const visit = (part: MimePart): void => {
    if (part.type.startsWith('multipart/')) return part.children.forEach(visit);
    if (isAttachment(part)) summary.attachments.push(part.filename ?? '(unnamed)');
    else if (part.type === 'text/plain' && summary.text === null) summary.text = part.text;
  };
  visit(root);
  return summary;
}
