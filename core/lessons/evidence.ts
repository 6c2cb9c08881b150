/** What a lesson's goals are checked against: the tracked conversations and the stored messages. */
import type { TrackedLine } from '../machines/session-tracker';
import type { WorldEvent } from '../world/world-events';

export interface LessonConversation {
  id: string;
  /** Who started it; 'relay' for the lab's own hops onward, which are not the learner's doing. */
  origin?: string;
  /** Every line as the session tracker read it, in order. */
  lines: readonly TrackedLine[];
}

export interface LessonMessage {
  id: string;
  envelopeFrom: string;
  envelopeTo: readonly string[];
  /** The mailbox this copy was delivered into; null for the copy the lab's own server accepted. */
  mailbox?: string | null;
  /** The source as stored, decoded as text. */
  raw: string;
}

export interface Evidence {
  conversations: readonly LessonConversation[];
  messages: readonly LessonMessage[];
  /** What the mail world did with the mail (lookups, relay attempts, hops, bounces). */
  worldEvents?: readonly WorldEvent[];
}

/** Header fields of a message source, unfolded (RFC 5322 §2.2.3), in order. */
export function headerFields(raw: string): Array<{ name: string; value: string }> {
  const end = raw.search(/\r?\n\r?\n/);
  const block = end === -1 ? raw : raw.slice(0, end);
  const fields: Array<{ name: string; value: string }> = [];
  for (const line of block.split(/\r?\n/)) {
    const last = fields[fields.length - 1];
    if (/^[ \t]/.test(line) && last) {
      last.value += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) fields.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return fields;
}

/** The body: everything after the first empty line. */
export function bodyOf(raw: string): string {
  const match = /\r?\n\r?\n/.exec(raw);
  return match ? raw.slice(match.index + match[0].length) : '';
}
