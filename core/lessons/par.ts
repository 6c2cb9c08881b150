/**
 * A lesson's par, as learnGitBranching has: how many commands its reference solution types. What
 * is counted is what the learner sees and controls in the terminal — each line the session tracker
 * read as an SMTP command (EHLO, MAIL, RCPT, DATA, a pipelined batch line by line, QUIT, and a
 * mistyped one too). Message text, the "." that ends it and AUTH's answers to 334 are no commands.
 * The count reads the same evidence the goals are checked against, so only conversations since the
 * lesson (re)started count.
 */
import type { Evidence } from './evidence';

/** The conversations whose commands the learner typed: the lesson terminal's. */
const TYPED_BY_THE_LEARNER = 'terminal';

/** How many commands the learner's terminal sent since the lesson (re)started. */
export function commandsUsed(evidence: Evidence): number {
  let used = 0;
  for (const conversation of evidence.conversations) {
    if (conversation.origin !== TYPED_BY_THE_LEARNER) continue;
    for (const line of conversation.lines) if (line.event.dir === 'client' && line.mode === 'command') used += 1;
  }
  return used;
}

export type ParStanding = 'under' | 'at' | 'over';

/** Fewer commands than par, as many, or more. */
export function parStanding(used: number, par: number): ParStanding {
  return used < par ? 'under' : used === par ? 'at' : 'over';
}
