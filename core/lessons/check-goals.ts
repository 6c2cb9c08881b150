/** The live checklist: which goals of a lesson hold, which mistake notes and which remarks apply. */
import { holds } from './evaluate';
import type { Evidence } from './evidence';
import type { Lesson, LessonNote } from './lesson-schema';

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
  /** Mistake notes whose tell-tale happened: something went wrong, and this says what. */
  notes: Array<{ id: string; note: string }>;
  /** Remarks whose moment came: worth knowing, not a mistake. */
  remarks: Array<{ id: string; note: string }>;
}

export function checkLesson(lesson: Lesson, evidence: Evidence): LessonProgress {
  const goals = lesson.steps.flatMap((step) =>
    step.goals.map((goal) => ({ step: step.id, goal: goal.id, text: goal.text, met: holds(goal.check, evidence) })),
  );
  const applying = (notes: readonly LessonNote[]) =>
    notes.filter((note) => holds(note.when, evidence)).map(({ id, note }) => ({ id, note }));
  return { goals, complete: goals.every((goal) => goal.met), notes: applying(lesson.misconceptions), remarks: applying(lesson.remarks) };
}
