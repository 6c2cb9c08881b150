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
  /** In the mailbox's Junk folder: the sender's DMARC policy said quarantine. */
  quarantined?: boolean;
}

/** A line the learner selected in the transcript or ladder: its conversation and its index there. */
export interface SelectedLine {
  conversation: string;
  line: number;
}

/** What the learner said about the conversation: lines selected and answers given, by goal id. */
export interface LearnerInput {
  selections: Readonly<Record<string, SelectedLine>>;
  answers: Readonly<Record<string, string>>;
}

export interface Evidence {
  conversations: readonly LessonConversation[];
  messages: readonly LessonMessage[];
  /** What the mail world did with the mail (lookups, relay attempts, hops, bounces). */
  worldEvents?: readonly WorldEvent[];
  /** The line selected for each evidence goal, by goal id. */
  selections?: Readonly<Record<string, SelectedLine>>;
  /** The answer given to each question goal, by goal id. */
  answers?: Readonly<Record<string, string>>;
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

/** A message as the lab lists it (an accepted copy, or a copy in one mailbox), with its source read. */
export interface StoredMessage {
  id: string;
  envelopeFrom: string;
  envelopeTo: readonly string[];
  mailbox?: string | null;
  /** Epoch milliseconds when it was stored. */
  receivedAt: number;
  raw: string;
  quarantined?: boolean;
}

/** What the lab holds, as the browser receives it and as the tests read it from a lab. */
export interface EvidenceSources {
  conversations: ReadonlyArray<{ id: string; origin?: string; startedAt: number; lines: readonly TrackedLine[] }>;
  messages: readonly StoredMessage[];
  worldEvents: readonly WorldEvent[];
}

/**
 * When a lesson (re)started. Conversations and messages carry wall-clock times; world events carry
 * the lab clock's, which jumps when fast-forwarded, so each is compared with its own clock.
 */
export interface EvidenceSince {
  wall: number;
  clock: number;
}

/** Times are taken on two machines (bridge and browser): this much earlier still counts. */
export const CLOCK_SLACK_MS = 1000;

/**
 * The evidence a lesson is checked against, built the same way in the browser and in the tests.
 * A mailbox copy's envelope is its mailbox alone: the one recipient it was delivered to, so a
 * goal about carol's copy is not met by alice's. The learner's selections and answers join it, so
 * that evidence and question goals are checked against the same conversations.
 */
export function buildEvidence(sources: EvidenceSources, since?: EvidenceSince, learner?: LearnerInput): Evidence {
  const wall = since ? since.wall - CLOCK_SLACK_MS : -Infinity;
  const clock = since ? since.clock - CLOCK_SLACK_MS : -Infinity;
  return {
    conversations: sources.conversations
      .filter((conversation) => conversation.startedAt >= wall)
      .map(({ id, origin, lines }) => ({ id, origin, lines })),
    messages: sources.messages
      .filter((message) => message.receivedAt >= wall)
      .map((message) => ({
        id: message.id,
        envelopeFrom: message.envelopeFrom,
        envelopeTo: message.mailbox ? [message.mailbox] : message.envelopeTo,
        mailbox: message.mailbox ?? null,
        raw: message.raw,
        ...(message.quarantined ? { quarantined: true } : {}),
      })),
    worldEvents: sources.worldEvents.filter((event) => event.at >= clock),
    selections: { ...learner?.selections },
    answers: { ...learner?.answers },
  };
}
