/** What a lesson's goals are checked against: the tracked conversations and the stored messages. */
import type { TrackedLine } from '../machines/session-tracker';
import type { WorldEvent } from '../world/world-events';
import { splitHeaders, type HeaderField } from '../mail/header-fields';

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
export function headerFields(raw: string): HeaderField[] {
  return splitHeaders(raw).headers;
}

/** The body: everything after the first empty line. */
export function bodyOf(raw: string): string {
  const match = /\r?\n\r?\n/.exec(raw);
  return match ? raw.slice(match.index + match[0].length) : '';
}
