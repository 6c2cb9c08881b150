/**
 * How a lesson begins. A lesson whose goals ask for the server's greeting teaches connecting, so
 * pressing Connect is the learner's own first act; any other lesson opens its terminal for them
 * once they have read the introduction.
 */
import type { TerminalTarget } from '../protocol/terminal-servers';
import type { Lesson } from './lesson-schema';
import type { Predicate } from './predicates';

function asksForGreeting(predicate: Predicate): boolean {
  if ('reply' in predicate) return predicate.reply.answers === 'greeting';
  if ('mine' in predicate) return asksForGreeting(predicate.mine);
  if ('not' in predicate) return false;
  if ('all' in predicate) return predicate.all.some(asksForGreeting);
  if ('any' in predicate) return predicate.any.some(asksForGreeting);
  if ('sequence' in predicate) return predicate.sequence.some(asksForGreeting);
  return false;
}

export function teachesConnecting(lesson: Lesson): boolean {
  return lesson.steps.some((step) => step.goals.some((goal) => 'check' in goal && asksForGreeting(goal.check)));
}

/** What Connect opens at a step: the last `connect` a step up to it names, else the lesson's server. */
export function connectTarget(lesson: Lesson, step: number): TerminalTarget {
  const named = lesson.steps.slice(0, step + 1).findLast((candidate) => candidate.connect !== undefined);
  return named?.connect ?? lesson.fixture.server;
}
