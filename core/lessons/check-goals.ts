/** The live checklist: which goals of a lesson hold, and which misconception notes apply. */
import { holds } from './evaluate';
import type { Evidence } from './evidence';
import type { Lesson } from './lesson-schema';

export interface GoalStatus {
  step: string;
  goal: string;
  text: string;
  met: boolean;
}

export interface LessonProgress {
  goals: GoalStatus[];
  /** All goals met. */
  complete: boolean;
  /** Misconception notes whose tell-tale happened. */
  notes: Array<{ id: string; note: string }>;
}

export function checkLesson(lesson: Lesson, evidence: Evidence): LessonProgress {
  const goals = lesson.steps.flatMap((step) =>
    step.goals.map((goal) => ({ step: step.id, goal: goal.id, text: goal.text, met: holds(goal.check, evidence) })),
  );
  const notes = lesson.misconceptions
    .filter((misconception) => holds(misconception.when, evidence))
    .map(({ id, note }) => ({ id, note }));
  return { goals, complete: goals.every((goal) => goal.met), notes };
}
