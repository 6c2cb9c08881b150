/**
 * A small base64 decoder (RFC 4648 §4) for AUTH challenges and responses. core/ runs in the
 * browser and in Node alike, so it cannot lean on atob, Buffer or TextDecoder.
 * Base64 is an encoding, not encryption: anyone who sees the line can decode it.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUE = new Map<string, number>([...ALPHABET].map((char, index) => [char, index]));

/** Bytes of a base64 string, or null when it is not valid base64 (wrong letters, length or padding). */
export function decodeBase64Bytes(text: string): number[] | null {
  if (text.length % 4 !== 0) return null;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const body = text.slice(0, text.length - padding);
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of body) {
    const value = VALUE.get(char);
    if (value === undefined) return null;
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  return bytes;
}

/** Decode base64 to text, reading the bytes as UTF-8 (Latin-1 when they are not valid UTF-8). */
export function decodeBase64(text: string): string | null {
  const bytes = decodeBase64Bytes(text);
  return bytes === null ? null : (utf8ToString(bytes) ?? String.fromCharCode(...bytes));
}

/** UTF-8 bytes to a string; null on a malformed sequence. */
export function utf8ToString(bytes: readonly number[]): string | null {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i] ?? 0;
    // How many continuation bytes follow the lead byte; -1 for bytes that cannot start a character.
    const extra = lead < 0x80 ? 0 : lead < 0xc2 ? -1 : lead < 0xe0 ? 1 : lead < 0xf0 ? 2 : lead < 0xf5 ? 3 : -1;
    if (extra < 0) return null;
    let point = extra === 0 ? lead : lead & (0x3f >> extra);
    for (let k = 1; k <= extra; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return null;
      point = (point << 6) | (next & 0x3f);
    }
    if (point > 0x10ffff) return null;
    out += String.fromCodePoint(point);
    i += extra + 1;
  }
  return out;
}
