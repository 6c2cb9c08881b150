/**
 * The data of the SMTP session machine: its context, its events, and the small pure rules the
 * guards and actions share (which reply codes match, how a BDAT chunk is counted, edge labels).
 * Kept apart from the machine so the tracker, the graph and the app can use them without XState.
 */
import type { Reply } from '../smtp/reply';
import { END_OF_DATA, GREETING } from '../smtp/reply-digits';

/** A client line still waiting for its reply: the verb it was read as, and the line as sent. */
export interface PendingCommand {
  verb: string;
  line: string;
  /** Octets of the line the tap left out (a line past its recording limit); absent when none. */
  cut?: number;
}

export interface ReplySummary {
  code: number;
  enhanced: string | null;
  /** The reply's lines joined by "\n". */
  text: string;
}

/** What the server said to the end of a message (the "." after DATA, or BDAT … LAST). */
export interface Delivery {
  accepted: boolean;
  code: number;
  text: string;
}

export interface SessionContext {
  /** True after an accepted EHLO, false after HELO (and before either). */
  esmtp: boolean;
  /** EHLO reply lines 2..n with the keyword upper-cased, e.g. 'SIZE 10485760'. */
  extensions: string[];
  tls: boolean;
  authenticated: boolean;
  /** The name the client gave in its accepted EHLO/HELO. */
  clientDomain: string | null;
  /** The MAIL FROM path ('' for the null reverse-path <>); null outside a transaction. */
  reversePath: string | null;
  recipients: string[];
  /** Unanswered client lines, oldest first; each complete reply answers pending[0]. */
  pending: PendingCommand[];
  /** The command the latest reply answered (null when it answered nothing). */
  answered: PendingCommand | null;
  /** Octets of BDAT chunk data still owed by the client; lines inside it are not commands. */
  bdatRemaining: number;
  lastReply: ReplySummary | null;
  lastDelivery: Delivery | null;
  /** The most commands that were ever waiting for replies at once (> 1 means pipelining). */
  commandsBeforeReply: number;
  /** Replies that arrived with no command waiting for them. */
  unexpectedReplies: number;
}

export type SessionEvent =
  /**
   * Every client line; `cut` is how many octets the tap left out of `text`. `unframed`: the line
   * or the one before it ended in a bare LF, so a lone "." here is content to smtp-server, which
   * ends DATA only at CRLF "." CRLF (lib/smtp-stream.js).
   */
  | { type: 'client.line'; text: string; cut?: number; unframed?: boolean }
  /** A complete (possibly multi-line) server reply. */
  | { type: 'server.reply'; reply: Reply }
  | { type: 'tls.established' }
  | { type: 'closed' };

export const SESSION_STATES = [
  'connecting', 'greeted', 'ready', 'mail', 'rcpt', 'data', 'bdat', 'auth', 'tls', 'refused', 'closed',
] as const;
export type SessionStateName = (typeof SESSION_STATES)[number];

/**
 * Pseudo-verbs for pending entries that are not commands. The greeting and end-of-data markers
 * are the ones the reply explanations use, defined once with them.
 */
export { END_OF_DATA, GREETING };
export const AUTH_RESPONSE = 'AUTH-RESPONSE';
/** A BDAT command carrying the LAST keyword ends the message, so it gets its own key. */
export const BDAT_LAST = 'BDAT LAST';
/** Guard verb that matches whatever the reply answers (e.g. 421, which can come any time). */
export const ANY_VERB = '*';

/** Params of the `answers` guard: the command the reply answers and the codes that match. */
export interface AnswersParams {
  /** A verb as kept in `pending` (or BDAT_LAST, or ANY_VERB). */
  verb: string;
  /** Code patterns joined by "|": '250', '2xx', '4xx|5xx', '250|251'. */
  codes: string;
}

export function initialContext(): SessionContext {
  return {
    esmtp: false,
    extensions: [],
    tls: false,
    authenticated: false,
    clientDomain: null,
    reversePath: null,
    recipients: [],
    // The greeting is a reply like any other, so it waits in the queue like a command.
    pending: [{ verb: GREETING, line: GREETING }],
    answered: null,
    bdatRemaining: 0,
    lastReply: null,
    lastDelivery: null,
    commandsBeforeReply: 0,
    unexpectedReplies: 0,
  };
}

export function codesMatch(codes: string, code: number): boolean {
  const digits = String(code);
  for (const pattern of patternsOf(codes)) {
    if (matchesDigit(pattern, digits, 0) && matchesDigit(pattern, digits, 1) && matchesDigit(pattern, digits, 2)) return true;
  }
  return false;
}

/**
 * Every reply runs a state's guards, each with its codes: split once per distinct string, not per
 * reply. Bounded by the machine's config (a handful of distinct strings), so it never grows.
 */
const compiledCodes = new Map<string, string[]>();

function patternsOf(codes: string): string[] {
  let patterns = compiledCodes.get(codes);
  if (!patterns) {
    patterns = codes.split('|').filter((pattern) => pattern.length === 3);
    compiledCodes.set(codes, patterns);
  }
  return patterns;
}

function matchesDigit(pattern: string, digits: string, at: number): boolean {
  return pattern[at] === 'x' || pattern[at] === digits[at];
}

const BDAT_ARGUMENT = /^\s*(\d+)(\s+LAST)?\s*$/i;

/** `BDAT <size> [LAST]` → its size and whether it is the last chunk; null when malformed. */
export function bdatChunk(argument: string): { size: number; last: boolean } | null {
  const match = BDAT_ARGUMENT.exec(argument);
  return match ? { size: Number(match[1]), last: match[2] !== undefined } : null;
}

/** The key a pending entry is matched by: its verb, except that a last BDAT chunk is BDAT_LAST. */
export function commandKey(command: PendingCommand): string {
  if (command.verb !== 'BDAT') return command.verb;
  const argument = command.line.replace(/^\s*\S+/, '');
  return bdatChunk(argument)?.last ? BDAT_LAST : 'BDAT';
}

/** Did the server advertise CHUNKING? Without it smtp-server reads a BDAT's "chunk" as commands. */
export function offersChunking(context: SessionContext): boolean {
  return context.extensions.some((extension) => extension === 'CHUNKING' || extension.startsWith('CHUNKING '));
}

/**
 * True while the reply to the newest unanswered line decides how the server reads the next one:
 * a 334 to AUTH (or to an AUTH response) makes it a credential, a 354 to DATA makes it message
 * content. A line sent now is read one way or the other only when that reply comes.
 */
export function nextLineUndecided(context: SessionContext): boolean {
  const newest = context.pending[context.pending.length - 1];
  return newest !== undefined && (newest.verb === 'AUTH' || newest.verb === AUTH_RESPONSE || newest.verb === 'DATA');
}

const VERB_NAMES: Record<string, string> = {
  [GREETING]: 'greeting',
  [END_OF_DATA]: 'end of data',
  [AUTH_RESPONSE]: 'AUTH response',
  [ANY_VERB]: 'any',
};

/** Edge label for a reply transition: "MAIL → 2xx", "greeting → 220", "end of data → 250". */
/** Longest unknown verb a label repeats; a learner's junk line can be kilobytes with no space. */
const MAX_LABEL_VERB = 16;

export function answerLabel(verb: string, codes: string): string {
  const name = VERB_NAMES[verb] ?? (verb.length > MAX_LABEL_VERB ? `${verb.slice(0, MAX_LABEL_VERB - 1)}…` : verb);
  return `${name} → ${codes.split('|').join('/')}`;
}

/** How a client line is read given the state and context when it was sent. */
export type LineMode = 'command' | 'data' | 'auth' | 'bdat';

export function lineModeOf(state: SessionStateName, context: SessionContext): LineMode {
  if (context.bdatRemaining > 0) return 'bdat';
  // Once the "." is on its way, what follows is pipelined commands again (RFC 2920).
  if (state === 'data' && !context.pending.some((p) => p.verb === END_OF_DATA)) return 'data';
  if (state === 'auth') return 'auth';
  return 'command';
}
