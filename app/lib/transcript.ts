/** Pure helpers over tracked lines, shared by the terminal, the transcript and the explanation. */
import type { TrackedLine } from '../../core/machines/session-tracker';
import { explainExtension, type ExtensionExplanation } from '../../core/smtp/extensions';
import type { ReplyExplanation } from '../../core/smtp/reply-catalog';
import { FIRST_DIGIT } from '../../core/smtp/reply-digits';
import { utf8Length } from '../../core/smtp/limits';

/**
 * The line that completes the reply a server line belongs to (multi-line replies end on the
 * line with `NNN `; the tracker hangs the whole Reply there). Null while the reply is incomplete.
 */
export function replyEndIndex(lines: readonly TrackedLine[], index: number): number | null {
  for (let i = index; i < lines.length; i++) {
    const line = lines[i];
    if (!line || line.event.dir !== 'server') return null;
    if (line.reply) return i;
  }
  return null;
}

/** First line of the reply that ends at `end`. */
export function replyStartIndex(lines: readonly TrackedLine[], end: number): number {
  let start = end;
  while (start > 0) {
    const previous = lines[start - 1];
    if (!previous || previous.event.dir !== 'server' || previous.reply) break;
    start--;
  }
  return start;
}

/**
 * The text of line `index` within its complete reply ("SIZE 10485760" for "250-SIZE 10485760"),
 * with its position in the reply (0 for the first line); null for a client line or an unfinished reply.
 */
export function replyLineAt(lines: readonly TrackedLine[], index: number): { text: string; position: number } | null {
  const end = replyEndIndex(lines, index);
  const reply = end === null ? undefined : lines[end]?.reply?.reply;
  if (end === null || !reply) return null;
  const position = index - replyStartIndex(lines, end);
  const text = reply.lines[position];
  return text === undefined ? null : { text, position };
}

/**
 * The extension a chosen line of an EHLO reply offers (any line but the first, which names the
 * server), so the explanation can answer that question before it explains the reply as a whole.
 */
export function chosenExtension(lines: readonly TrackedLine[], index: number, reply: ReplyExplanation): ExtensionExplanation | null {
  if (reply.extensions.length === 0) return null;
  const chosen = replyLineAt(lines, index);
  return chosen !== null && chosen.position > 0 ? explainExtension(chosen.text) : null;
}

/** The most recent complete reply, which the explanation shows unless a line is chosen. */
export function latestReplyIndex(lines: readonly TrackedLine[]): number | null {
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i]?.reply) return i;
  return null;
}

/** The line whose arrival last moved the session machine, for the statechart's animation. */
export function latestTransitionIndex(lines: readonly TrackedLine[]): number | null {
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i]?.transition) return i;
  return null;
}

export function formatOffset(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const INFO_LABELS: Record<string, string> = {
  connected: 'connected',
  tls: 'TLS established',
  closed: 'connection closed',
  error: 'error',
};

/** How an info event reads in the transcript and the terminal. */
export function infoLabel(line: TrackedLine): string {
  // The tap's own words ("Connected from 127.0.0.1:53422") say more than the bare kind.
  const text = line.event.text.trim();
  return text || (INFO_LABELS[line.event.info ?? ''] ?? line.event.info ?? 'info');
}

/** Longest part of a line drawn on screen; the rest is summarised (the explanation has it all). */
export const SHOWN_CHARS = 300;


/**
 * A line as shown: at most SHOWN_CHARS characters, plus how many bytes were left out, both by us
 * and by the tap (`cut`), for the "… N more bytes" marker.
 */
export function shownText(text: string, cut = 0, limit = SHOWN_CHARS): { text: string; hiddenBytes: number } {
  if (text.length <= limit) return { text, hiddenBytes: cut };
  const shown = text.slice(0, limit);
  return { text: shown, hiddenBytes: cut + utf8Length(text) - utf8Length(shown) };
}

/** How a refused request is marked beside its reply: a sign and words, so colour is not the only clue. */
export interface ReplyMark {
  kind: 'temporary' | 'permanent';
  sign: string;
  label: string;
}

const MARKS: Partial<Record<string, ReplyMark>> = {
  'transient-negative': { kind: 'temporary', sign: '!', label: 'temporary error' },
  'permanent-negative': { kind: 'permanent', sign: '✗', label: 'permanent error' },
};

/** The mark of a complete reply (its first digit, RFC 5321 §4.2.1): null for 2xx and 3xx. */
export function replyMark(line: TrackedLine): ReplyMark | null {
  const code = line.reply?.reply.code;
  if (code === undefined) return null;
  const category = FIRST_DIGIT[String(Math.floor(code / 100))]?.category;
  return (category && MARKS[category]) ?? null;
}
