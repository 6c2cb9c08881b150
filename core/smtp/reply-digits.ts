/**
 * What a reply code's digits say (RFC 5321 §4.2.1), and the markers for the replies that answer no
 * command. Apart from the full catalog (reply-catalog.ts): the page colours every reply by its
 * first digit from the start, and loads the catalog only when it explains one.
 */

/** Command value meaning "this reply is the greeting", for callers that prefer a marker to undefined. */
export const GREETING = '<greeting>';
/** Command value for the reply to the end of message data (the lone "." line). */
export const END_OF_DATA = '.';

export type ReplyCategory =
  | 'positive-completion'
  | 'positive-intermediate'
  | 'transient-negative'
  | 'permanent-negative'
  | 'not-a-reply';

interface DigitInfo {
  category: Exclude<ReplyCategory, 'not-a-reply'>;
  words: string;
  /** What to do when the code itself is not in the catalog. */
  nextStep: string;
}

/** §4.2.1: the first digit says whether it worked. */
export const FIRST_DIGIT: Readonly<Record<string, DigitInfo>> = {
  '2': {
    category: 'positive-completion',
    words: '2 = done: the action was completed, and you may send a new command.',
    nextStep: 'Send the next command.',
  },
  '3': {
    category: 'positive-intermediate',
    words: '3 = send more: the command is accepted, but the server needs more from you before it acts.',
    nextStep: 'Send the information the server is waiting for.',
  },
  '4': {
    category: 'transient-negative',
    words: '4 = temporary failure: it did not happen this time, but the same request may work later.',
    nextStep: 'Try the same command again later.',
  },
  '5': {
    category: 'permanent-negative',
    words: '5 = permanent failure: it did not happen, and repeating the exact same request will not help.',
    nextStep: 'Change something before trying again.',
  },
};

/** §4.2.1: the second digit says what the reply is about. */
export const SECOND_DIGIT: Readonly<Record<string, string>> = {
  '0': 'x0 = syntax: about how the command was written, or a command that is unknown or not implemented.',
  '1': 'x1 = information: an answer to a request for information, such as status or help.',
  '2': 'x2 = connections: about the connection itself.',
  '3': 'x3 = not assigned by RFC 5321; the AUTH extension (RFC 4954) uses it for login replies.',
  '4': 'x4 = not assigned by RFC 5321.',
  '5': 'x5 = mail system: about the receiving mail system and the mail you asked it to handle.',
};
