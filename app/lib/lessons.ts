/**
 * The course, bundled with the app: every lessons/*.md file, parsed and checked when the app is
 * built (vite-plugins/compiled-lessons.ts) and shipped as JSON. A broken lesson file fails the build.
 */
import compiled from 'virtual:lessons';
import type { Lesson } from '../../core/lessons/lesson-schema';

export const LESSONS: readonly Lesson[] = compiled;

export function lessonById(id: string | null): Lesson | null {
  return LESSONS.find((lesson) => lesson.id === id) ?? null;
}
