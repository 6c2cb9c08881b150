/**
 * Content-Transfer-Encoding undone (RFC 2045 §6): base64 and quoted-printable to bytes, and the
 * bytes to text in the part's charset. core/ has no TextDecoder, so it reads UTF-8 and Latin-1
 * itself; a host that has TextDecoder passes it in to read every other charset as well.
 */
import { decodeBase64Bytes, utf8ToString } from '../smtp/base64';

/** Bytes to text in a named charset. */
export type DecodeText = (bytes: Uint8Array, charset: string) => string;

/** UTF-8 (and US-ASCII, its subset); Latin-1 for bytes that are not valid UTF-8 or say so. */
export const decodeUtf8OrLatin1: DecodeText = (bytes, charset) => {
  const latin1 = () => String.fromCharCode(...bytes);
  if (/^(iso-8859-1|latin1|l1)$/i.test(charset)) return latin1();
  return utf8ToString([...bytes]) ?? latin1();
};

function utf8Bytes(char: string): number[] {
  const point = char.codePointAt(0) ?? 0;
  if (point < 0x80) return [point];
  if (point < 0x800) return [0xc0 | (point >> 6), 0x80 | (point & 0x3f)];
  if (point < 0x10000) return [0xe0 | (point >> 12), 0x80 | ((point >> 6) & 0x3f), 0x80 | (point & 0x3f)];
  return [0xf0 | (point >> 18), 0x80 | ((point >> 12) & 0x3f), 0x80 | ((point >> 6) & 0x3f), 0x80 | (point & 0x3f)];
}

function base64Bytes(body: string): Uint8Array | null {
  const compact = body.replace(/\s+/g, '');
  // Senders drop the trailing "=" now and then; the bytes are still all there.
  const padded = compact.length % 4 === 0 ? compact : compact.padEnd(compact.length + 4 - (compact.length % 4), '=');
  const bytes = decodeBase64Bytes(padded);
  return bytes ? Uint8Array.from(bytes) : null;
}

function quotedPrintableBytes(body: string): Uint8Array {
  const joined = body.replace(/=\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      // Characters outside ASCII cannot be in a QP body; keep their UTF-8 bytes anyway.
      const point = joined.codePointAt(i) ?? 0;
      bytes.push(...utf8Bytes(String.fromCodePoint(point)));
      if (point > 0xffff) i++;
    }
  }
  return Uint8Array.from(bytes);
}

/** The text of a body as it travelled; undecodable base64 is shown as it is. */
export function decodeBody(body: string, encoding: string, charset: string, decodeText: DecodeText = decodeUtf8OrLatin1): string {
  const kind = encoding.toLowerCase();
  if (kind === 'base64') {
    const bytes = base64Bytes(body);
    return bytes ? decodeText(bytes, charset) : body;
  }
  if (kind === 'quoted-printable') return decodeText(quotedPrintableBytes(body), charset);
  // 7bit/8bit: the source was read as UTF-8 already.
  return body;
}
