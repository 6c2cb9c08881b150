/**
 * How a lesson begins. A lesson whose goals ask for the server's greeting teaches connecting, so
 * pressing Connect is the learner's own first act; any other lesson opens its terminal for them
 * once they have read the introduction.
 */
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
