/**
 * Explains a server reply in plain words: the code (RFC 5321 §4.2), its digits, the enhanced
 * status code, what it means after the command it answers, and, for EHLO, every extension.
 */

import type { Reply } from './reply';
import { REPLY_CODES, type ReplyCodeInfo } from './reply-codes';
import { explainEnhanced, type EnhancedExplanation } from './enhanced-codes';
import { explainEhloLines, type ExtensionExplanation } from './extensions';
import { parseCommand } from './command';
import { replyInContext, GREETING, END_OF_DATA } from './reply-context';

export { REPLY_CODES, GREETING, END_OF_DATA };
export type { ReplyCodeInfo, EnhancedExplanation, ExtensionExplanation };

export type ReplyCategory =
  | 'positive-completion'
  | 'positive-intermediate'
  | 'transient-negative'
  | 'permanent-negative'
  | 'not-a-reply';

export interface ReplyExplanation {
  code: number;
  title: string;
  meaning: string;
  nextStep: string;
  rfc: string;
  category: ReplyCategory;
  /** Plain words for the first digit. */
  firstDigit: string;
  /** Plain words for the second digit. */
  secondDigit: string;
  enhanced: EnhancedExplanation | null;
  /**
   * Extra words when the command it answers changes the meaning: 250 to EHLO lists extensions,
   * 354 to DATA, 334 to AUTH (with the base64 challenge decoded), 220 to STARTTLS, 503 after RCPT.
   */
  inContext: string | null;
  /** For a 250 reply to EHLO: each extension line explained. Empty otherwise. */
  extensions: ExtensionExplanation[];
}

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

const NOT_A_REPLY: Omit<ReplyExplanation, 'code' | 'enhanced'> = {
  title: 'Not a reply line',
  meaning: 'This line does not begin with a three-digit code from 200 to 599, so it is not an SMTP reply.',
  nextStep: 'Nothing to act on; a client treats it as a protocol error.',
  rfc: 'RFC 5321 §4.2',
  category: 'not-a-reply',
  firstDigit: 'There is no reply code.',
  secondDigit: 'There is no reply code.',
  inContext: null,
  extensions: [],
};

/**
 * Explain a complete reply. `command` is the client line it answers: undefined (or GREETING)
 * for the greeting, END_OF_DATA (".") for the reply after the message content. Never throws.
 */
export function explainReply(reply: Reply, command?: string): ReplyExplanation {
  const first = String(Math.floor(reply.code / 100));
  const digit = reply.code >= 200 && reply.code <= 599 ? FIRST_DIGIT[first] : undefined;
  if (!digit) return { ...NOT_A_REPLY, code: reply.code, enhanced: null };

  const known = REPLY_CODES[reply.code];
  const info: ReplyCodeInfo = known ?? {
    title: `Unlisted ${first}xx reply`,
    meaning: `This code is not one RFC 5321 defines, so only its digits speak: ${digit.words}`,
    nextStep: digit.nextStep,
    rfc: 'RFC 5321 §4.2.1',
  };
  const enhanced = reply.enhanced ? explainEnhanced(reply.enhanced) : null;
  const isEhlo = command !== undefined && parseCommand(command).verb === 'EHLO';

  return {
    code: reply.code,
    ...info,
    category: digit.category,
    firstDigit: digit.words,
    secondDigit: SECOND_DIGIT[String(Math.floor(reply.code / 10) % 10)] ?? 'A second digit RFC 5321 does not use.',
    enhanced,
    inContext: replyInContext(reply, command),
    extensions: isEhlo && reply.code === 250 ? explainEhloLines(reply.lines) : [],
  };
}
