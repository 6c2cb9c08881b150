/**
 * Just enough RFC 5322 / MIME reading to show a captured message: its header fields in order
 * (Received: first, as the server prepended it), and its plain text. The raw source link shows
 * everything else; a full MIME parser would only add weight to the page.
 */

export interface HeaderField {
  name: string;
  value: string;
}

export interface ReadMessage {
  headers: HeaderField[];
  /** The first text/plain part, decoded; null when there is none. */
  text: string | null;
  /** Names of the attachments found, for a short list. */
  attachments: string[];
}

/** Splits a part into unfolded header fields and its body (after the first empty line). */
export function splitHeaders(source: string): { headers: HeaderField[]; body: string } {
  const normalised = source.replace(/\r\n/g, '\n');
  const end = normalised.search(/\n\n/);
  const head = end === -1 ? normalised : normalised.slice(0, end);
  const body = end === -1 ? '' : normalised.slice(end + 2);
  const headers: HeaderField[] = [];
  for (const line of head.split('\n')) {
    const last = headers.at(-1);
    if (/^[ \t]/.test(line) && last) last.value += ` ${line.trim()}`;
    else {
      const colon = line.indexOf(':');
      if (colon > 0) headers.push({ name: line.slice(0, colon), value: line.slice(colon + 1).trim() });
    }
  }
  return { headers, body };
}

function header(headers: HeaderField[], name: string): string {
  return headers.find((h) => h.name.toLowerCase() === name)?.value ?? '';
}

function parameter(value: string, name: string): string | null {
  const match = new RegExp(`${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

function bytesToText(bytes: Uint8Array, charset: string): string {
  try {
    return new TextDecoder(charset || 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

function decodeBody(body: string, encoding: string, charset: string): string {
  const kind = encoding.toLowerCase();
  if (kind === 'base64') {
    const binary = atob(body.replace(/\s+/g, ''));
    return bytesToText(Uint8Array.from(binary, (c) => c.charCodeAt(0)), charset);
  }
  if (kind === 'quoted-printable') {
    const joined = body.replace(/=\n/g, '');
    const bytes: number[] = [];
    for (let i = 0; i < joined.length; i++) {
      const hex = joined.slice(i + 1, i + 3);
      if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else {
        // Characters outside Latin-1 cannot be in a QP body; keep their UTF-8 bytes anyway.
        bytes.push(...new TextEncoder().encode(joined[i] ?? ''));
      }
    }
    return bytesToText(new Uint8Array(bytes), charset);
  }
  return body;
}

function walk(part: string, found: ReadMessage, depth: number): void {
  const { headers, body } = splitHeaders(part);
  const type = header(headers, 'content-type') || 'text/plain';
  const disposition = header(headers, 'content-disposition');
  const filename = parameter(disposition, 'filename') ?? parameter(type, 'name');
  if (/^multipart\//i.test(type) && depth < 5) {
    const boundary = parameter(type, 'boundary');
    if (!boundary) return;
    const pieces = body.split(`--${boundary}`).slice(1);
    for (const piece of pieces) {
      if (piece.startsWith('--')) break;
      walk(piece.replace(/^\n/, ''), found, depth + 1);
    }
    return;
  }
  if (filename || /^attachment/i.test(disposition)) {
    found.attachments.push(filename ?? '(unnamed)');
    return;
  }
  if (/^text\/plain/i.test(type) && found.text === null) {
    found.text = decodeBody(body, header(headers, 'content-transfer-encoding'), parameter(type, 'charset') ?? 'utf-8');
  }
}

export function readMessage(source: string): ReadMessage {
  const { headers } = splitHeaders(source);
  const found: ReadMessage = { headers, text: null, attachments: [] };
  walk(source.replace(/\r\n/g, '\n'), found, 0);
  return found;
}
