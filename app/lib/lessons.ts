/**
 * The course, bundled with the app: every lessons/*.md file, parsed and checked when the app is
 * built (vite-plugins/compiled-lessons.ts) and shipped as JSON. A broken lesson file fails the build.
 * The lesson panel fills each for the lab's learner domain (core/lessons/lesson-domain.ts).
 */
import compiled from 'virtual:lessons';
import type { Lesson } from '../../core/lessons/lesson-schema';

export const LESSONS: readonly Lesson[] = compiled;
