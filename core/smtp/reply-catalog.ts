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
import { FIRST_DIGIT, SECOND_DIGIT, type ReplyCategory } from './reply-digits';

export { REPLY_CODES, GREETING, END_OF_DATA, FIRST_DIGIT, SECOND_DIGIT, type ReplyCategory };
export type { ReplyCodeInfo, EnhancedExplanation, ExtensionExplanation };

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
