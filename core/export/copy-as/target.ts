/** Where a "copy as" reproduction connects: the lab's SMTP server, as outside clients reach it. */
export interface CopyAsTarget {
  host: string;
  port: number;
  /** The port speaks TLS from the first byte (the 465 role). */
  implicitTls: boolean;
}

/** One reproduction: what to copy, and what the tool could not say of the original. */
export interface CopyAsOutput {
  tool: CopyAsTool;
  label: string;
  text: string;
  /** Steps of the original the tool cannot repeat, said plainly; empty when it repeats them all. */
  notes: string[];
  /** For the command-line tools: the command alone, and (openssl) the lines to type after it. */
  command?: string;
  typed?: string[];
}

export const COPY_AS_TOOLS = ['swaks', 'openssl', 'python', 'nodemailer'] as const;
export type CopyAsTool = (typeof COPY_AS_TOOLS)[number];

/** A string for a POSIX shell, in single quotes (a quote inside becomes '\''). */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A string literal JavaScript and Python both read the same way (double quotes, escapes). */
export function quoted(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '\\' || char === '"') out += `\\${char}`;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += char;
  }
  return `${out}"`;
}
