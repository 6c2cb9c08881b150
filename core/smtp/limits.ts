/**
 * Size limits and timeouts of RFC 5321 §4.5.3. Sizes are octets; the line limits count the CRLF.
 * These are minimums every implementation must accept, so a line over them may be refused.
 */

/** §4.5.3.1.4: a command line, verb to CRLF. Extensions such as SIZE or AUTH= may raise it for MAIL/RCPT. */
export const MAX_COMMAND_LINE = 512;
/** §4.5.3.1.6: a line of message content (after DATA), CRLF included. */
export const MAX_TEXT_LINE = 1000;
/** §4.5.3.1.5: a reply line, CRLF included. */
export const MAX_REPLY_LINE = 512;
/** §4.5.3.1.1: the part of an address before the "@". */
export const MAX_LOCAL_PART = 64;
/** §4.5.3.1.2: a domain name or address literal. */
export const MAX_DOMAIN = 255;
/** §4.5.3.1.3: a reverse-path or forward-path, angle brackets included. */
export const MAX_PATH = 256;
/** §4.5.3.1.8: a server must be able to buffer at least this many recipients per message. */
export const MIN_RECIPIENTS_BUFFER = 100;

/** The CRLF that ends every line; the limits above include it. */
export const CRLF_OCTETS = 2;

const MINUTE = 60_000;

/** §4.5.3.2: how long a client waits for each reply, and how long a server waits for the next command (milliseconds). */
export const TIMEOUTS = {
  /** §4.5.3.2.1: the 220 greeting after connecting. */
  greeting: 5 * MINUTE,
  /** §4.5.3.2.2: the reply to MAIL. */
  mail: 5 * MINUTE,
  /** §4.5.3.2.3: the reply to each RCPT. */
  rcpt: 5 * MINUTE,
  /** §4.5.3.2.4: the 354 reply to DATA. */
  dataInitiation: 2 * MINUTE,
  /** §4.5.3.2.5: each block of message content the client sends (a TCP send). */
  dataBlock: 3 * MINUTE,
  /** §4.5.3.2.6: the reply after the final "." — long, because the server may deliver before it answers. */
  dataTermination: 10 * MINUTE,
  /** §4.5.3.2.7: a server waits at least this long for the client's next command. */
  serverIdle: 5 * MINUTE,
} as const;

/** Octets a string takes in UTF-8, which is what the wire limits count (no TextEncoder in core). */
export function utf8Length(text: string): number {
  let octets = 0;
  for (const char of text) {
    const point = char.codePointAt(0) ?? 0;
    octets += point < 0x80 ? 1 : point < 0x800 ? 2 : point < 0x10000 ? 3 : 4;
  }
  return octets;
}
