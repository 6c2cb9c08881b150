/** Reads and validates every lesson file in lessons/ (for tests and the build). */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isLessonFile, orderLessons, parseLesson } from '../../core/lessons/parse-lesson';
import type { Lesson } from '../../core/lessons/lesson-schema';
import { PROJECT_ROOT } from '../app-build';

export const LESSONS_DIR = join(PROJECT_ROOT, 'lessons');

export async function loadLessons(dir = LESSONS_DIR): Promise<Lesson[]> {
  const files = (await readdir(dir)).filter(isLessonFile).sort();
  const lessons = await Promise.all(
    files.map(async (name) => parseLesson(`lessons/${name}`, await readFile(join(dir, name), 'utf8'))),
  );
  return orderLessons(lessons);
}
