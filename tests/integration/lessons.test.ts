/**
 * Every lesson checks itself: its reference solution, played against a real lab, meets every goal;
 * each of its wrong attempts leaves at least one goal unmet (a goal that cannot fail is a bug).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLab } from '../../bridge/lab/lab';
import { loadLessons } from '../../bridge/lessons/load-lessons';
import { replayActions } from '../../bridge/lessons/replay';
import { checkLesson } from '../../core/lessons/check-goals';
import type { LessonAction } from '../../core/lessons/lesson-schema';

const lessons = await loadLessons();
let stateDir: string;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'smtp-lab-lessons-'));
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

/** A fresh lab for each attempt, as the lesson player's "Reset the lab" gives. */
async function attempt(actions: readonly LessonAction[]) {
  const lab = await createLab({ host: '127.0.0.1', smtpPort: 0, smtpsPort: 0, stateDir, log: () => {} });
  try {
    return await replayActions(lab, actions);
  } finally {
    await lab.close();
  }
}

describe.each(lessons.map((lesson) => [`${lesson.number}. ${lesson.title}`, lesson] as const))('lesson %s', (_name, lesson) => {
  it('is solved by its reference solution', async () => {
    const progress = checkLesson(lesson, await attempt(lesson.solution));
    expect(progress.goals.filter((goal) => !goal.met).map((goal) => goal.goal)).toEqual([]);
    expect(progress.complete).toBe(true);
  });

  it.each(lesson.wrongAttempts.map((wrong) => [wrong.name, wrong] as const))('is not solved by a wrong attempt: %s', async (_label, wrong) => {
    const progress = checkLesson(lesson, await attempt(wrong.actions));
    expect(progress.complete).toBe(false);
  });
});

it('has lessons to check', () => {
  expect(lessons.length).toBeGreaterThanOrEqual(8);
});
