/**
 * The rules a lesson's wrong attempts must follow so that every check is shown to fail: each goal
 * is left unmet by some named attempt, and each mistake note is triggered by one. These are read
 * from the lesson file alone; the lesson tests then replay every attempt to show it does what it names.
 */
import type { Lesson } from './lesson-schema';

/** Goals that no wrong attempt names as unmet: nothing shows they can fail. */
export function goalsNeverLeftUnmet(lesson: Lesson): string[] {
  const named = new Set(lesson.wrongAttempts.flatMap((attempt) => attempt.unmet));
  return lesson.steps.flatMap((step) => step.goals.map((goal) => goal.id)).filter((goal) => !named.has(goal));
}

/** Mistake notes that no wrong attempt names: nothing shows they can fire. */
export function notesNeverTriggered(lesson: Lesson): string[] {
  const named = new Set(lesson.wrongAttempts.flatMap((attempt) => attempt.notes));
  return lesson.misconceptions.map((note) => note.id).filter((note) => !named.has(note));
}
