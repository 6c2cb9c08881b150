/**
 * Mistake notes that many lessons share: a lesson file names one with `misconceptions: [{ use: id }]`
 * and still has to prove it with a wrong attempt of its own, like any note.
 */
import type { Predicate } from './predicates';

/** A pattern that matches the word in any mix of upper and lower case ("quit", "Quit", "QUIT"). */
function anyCase(word: string): string {
  return [...word].map((c) => (/[a-z]/i.test(c) ? `[${c.toUpperCase()}${c.toLowerCase()}]` : c === ' ' ? '\\s+' : c)).join('');
}

/** A line that is an SMTP command by itself, as a learner would type one. */
const COMMAND_LINE = [
  `^\\s*(${['QUIT', 'RSET', 'NOOP', 'DATA', 'STARTTLS'].map(anyCase).join('|')})\\s*$`,
  `^\\s*(${['EHLO', 'HELO', 'AUTH'].map(anyCase).join('|')})\\s+\\S`,
  `^\\s*(${['MAIL FROM', 'RCPT TO'].map(anyCase).join('|')})\\s*:`,
].join('|');

export const SHARED_NOTES = {
  /** The commonest slip of all: a command typed while the server reads message text. */
  'command-in-data': {
    when: { mine: { line: { dir: 'client', matches: COMMAND_LINE, mode: 'data' } } },
    note:
      'After the 354 every line you type is message text, not a command: your command went into the message. ' +
      'End the message first with a line holding only "." — then the server reads commands again.',
  },
} satisfies Record<string, { when: Predicate; note: string }>;

export type SharedNoteId = keyof typeof SHARED_NOTES;
export const SHARED_NOTE_IDS = Object.keys(SHARED_NOTES) as [SharedNoteId, ...SharedNoteId[]];
