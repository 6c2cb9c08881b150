/**
 * The course, compiled when the app is built: every lessons/*.md file is parsed and checked by the
 * same code the tests use (YAML front matter, the zod schema), and the app imports the result as
 * plain JSON from `virtual:lessons`. The browser never parses YAML nor validates a lesson again,
 * and a broken lesson file stops the build with its file and field named, not the learner's page.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';
import { isLessonFile, orderLessons, parseLesson } from '../core/lessons/parse-lesson';

const VIRTUAL_ID = 'virtual:lessons';
const RESOLVED_ID = '\0virtual:lessons';
/** Only what the first screen needs to offer a lesson (id, number, title), so it stays small. */
const INDEX_ID = 'virtual:lesson-index';
const RESOLVED_INDEX_ID = '\0virtual:lesson-index';

export function compiledLessons(lessonsDir: string): Plugin {
  return {
    name: 'smtp-lab:compiled-lessons',
    resolveId(id) {
      if (id === VIRTUAL_ID) return RESOLVED_ID;
      return id === INDEX_ID ? RESOLVED_INDEX_ID : undefined;
    },
    load(id) {
      if (id !== RESOLVED_ID && id !== RESOLVED_INDEX_ID) return undefined;
      const lessons = orderLessons(
        readdirSync(lessonsDir)
          .filter(isLessonFile)
          .sort()
          .map((name) => {
            const file = join(lessonsDir, name);
            this.addWatchFile(file);
            return parseLesson(`lessons/${name}`, readFileSync(file, 'utf8'));
          }),
      );
      const value = id === RESOLVED_ID ? lessons : lessons.map(({ id, number, title }) => ({ id, number, title }));
      // JSON.parse of a string literal is read faster by the browser than the same object literal.
      return `export default JSON.parse(${JSON.stringify(JSON.stringify(value))});`;
    },
  };
}
