/**
 * Goals that ask for understanding: an evidence goal is met when the line the learner selected
 * matches its predicate; a question goal when the learner's answer is the right choice, or the
 * value the real conversation holds (a queue id, a status code, a host name) — never a constant
 * written in the lesson. A goal's scope says whose conversations count.
 */
import { GREETING } from '../machines/session-model';
import { holds, positions } from './evaluate';
import type { Evidence, LessonConversation } from './evidence';
import type { Goal } from './lesson-schema';
import type { Predicate } from './predicates';

export type GoalScope = NonNullable<Goal['scope']>;

/** The host that greeted in a conversation: the first word of its 220 greeting, lower-cased. */
export function greetingHost(conversation: LessonConversation): string | null {
  const greeting = conversation.lines.find((line) => line.reply?.answers === GREETING)?.reply;
  return greeting?.reply.lines[0]?.split(/\s/)[0]?.toLowerCase() || null;
}

function inScope(conversation: LessonConversation, scope: GoalScope): boolean {
  if (scope.origin && (conversation.origin ?? 'terminal') !== scope.origin) return false;
  if (scope.host && greetingHost(conversation) !== scope.host.toLowerCase()) return false;
  return true;
}

/** The evidence with only the conversations the scope lets count (messages and world events stay). */
export function scoped(evidence: Evidence, scope: GoalScope | undefined): Evidence {
  if (!scope) return evidence;
  return { ...evidence, conversations: evidence.conversations.filter((conversation) => inScope(conversation, scope)) };
}

/**
 * A selected line as the predicates read it: a reply is tracked on its last line, so selecting
 * any line of a reply of several lines selects that reply.
 */
function replyEnd(conversation: LessonConversation, index: number): number {
  const line = conversation.lines[index];
  if (!line || line.event.dir !== 'server' || line.reply) return index;
  const end = conversation.lines.findIndex((later, at) => at > index && later.event.dir === 'server' && later.reply);
  return end === -1 ? index : end;
}

function selectionMatches(predicate: Predicate, evidence: Evidence, goalId: string): boolean {
  const selected = evidence.selections?.[goalId];
  if (!selected) return false;
  const conversation = evidence.conversations.find((candidate) => candidate.id === selected.conversation);
  if (!conversation) return false;
  return positions(predicate, conversation, evidence).includes(replyEnd(conversation, selected.line));
}

/** The values the conversation holds for a typed answer: the first group of `capture` on each line `from` matches. */
export function answerValues(from: Predicate, capture: string, evidence: Evidence): string[] {
  const pattern = new RegExp(capture, 'm');
  const values = new Set<string>();
  for (const conversation of evidence.conversations) {
    for (const index of positions(from, conversation, evidence)) {
      const value = pattern.exec(conversation.lines[index]?.event.text ?? '')?.[1];
      if (value) values.add(value);
    }
  }
  return [...values];
}

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

export function goalMet(goal: Goal, evidence: Evidence): boolean {
  const counted = scoped(evidence, goal.scope);
  if ('check' in goal) return holds(goal.check, counted);
  if ('select' in goal) return selectionMatches(goal.select, counted, goal.id);
  const given = evidence.answers?.[goal.id];
  if (given === undefined || given.trim() === '') return false;
  if ('choices' in goal.answer) return given === goal.answer.correct;
  return answerValues(goal.answer.from, goal.answer.capture, counted).some((value) => same(value, given));
}

/** The learner has selected a line or given an answer for this goal (so an unmet one is a wrong try). */
export function goalTried(goal: Goal, evidence: Evidence): boolean {
  if ('select' in goal) return evidence.selections?.[goal.id] !== undefined;
  if ('answer' in goal) return (evidence.answers?.[goal.id] ?? '').trim() !== '';
  return false;
}
