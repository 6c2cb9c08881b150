/**
 * The course, bundled with the app: every lessons/*.md file, parsed and checked by the same code
 * the tests use. A broken lesson file fails the build (see the lesson check in vite.config.ts).
 */
import { isLessonFile, orderLessons, parseLesson } from '../../core/lessons/parse-lesson';
import type { Lesson } from '../../core/lessons/lesson-schema';

const files = import.meta.glob('../../lessons/*.md', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

export const LESSONS: readonly Lesson[] = orderLessons(
  Object.entries(files)
    .filter(([path]) => isLessonFile(path.slice(path.lastIndexOf('/') + 1)))
    .map(([path, text]) => parseLesson(path.replace(/^(\.\.\/)+/, ''), text)),
);

export function lessonById(id: string | null): Lesson | null {
  return LESSONS.find((lesson) => lesson.id === id) ?? null;
}
