/** The live checklist: which goals of a lesson hold, which mistake notes and which remarks apply. */
import { holds } from './evaluate';
import { goalMet, goalTried } from './learner-goals';
import type { Evidence } from './evidence';
import type { Lesson, LessonNote } from './lesson-schema';

export interface GoalStatus {
  step: string;
  goal: string;
  text: string;
  met: boolean;
  /** An evidence or question goal the learner answered (or selected a line for): unmet means wrong. */
  tried: boolean;
}

export interface LessonProgress {
  goals: GoalStatus[];
  /** All goals met. */
  complete: boolean;
  /** Mistake notes whose tell-tale happened: something went wrong, and this says what. */
  notes: Array<{ id: string; note: string }>;
  /** Remarks whose moment came: worth knowing, not a mistake. */
  remarks: Array<{ id: string; note: string }>;
}

export function checkLesson(lesson: Lesson, evidence: Evidence): LessonProgress {
  const goals = lesson.steps.flatMap((step) =>
    step.goals.map((goal) => ({
      step: step.id,
      goal: goal.id,
      text: goal.text,
      met: goalMet(goal, evidence),
      tried: goalTried(goal, evidence),
    })),
  );
  const applying = (notes: readonly LessonNote[]) =>
    notes.filter((note) => holds(note.when, evidence)).map(({ id, note }) => ({ id, note }));
  return { goals, complete: goals.every((goal) => goal.met), notes: applying(lesson.misconceptions), remarks: applying(lesson.remarks) };
}
