/**
 * The course, compiled when the app is built: every lessons/*.md file is parsed and checked by the
 * same code the tests use (YAML front matter, the zod schema), and the app imports the result as
 * plain JSON from `virtual:lessons`. The browser never parses YAML nor validates a lesson again,
 * and a broken lesson file stops the build with its file and field named, not the learner's page.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';
import { orderLessons, parseLesson } from '../core/lessons/parse-lesson';

const VIRTUAL_ID = 'virtual:lessons';
const RESOLVED_ID = '\0virtual:lessons';

export function compiledLessons(lessonsDir: string): Plugin {
  return {
    name: 'smtp-lab:compiled-lessons',
    resolveId(id) {
      return id === VIRTUAL_ID ? RESOLVED_ID : undefined;
    },
    load(id) {
      if (id !== RESOLVED_ID) return undefined;
      const lessons = readdirSync(lessonsDir)
        .filter((name) => name.endsWith('.md'))
        .sort()
        .map((name) => {
          const file = join(lessonsDir, name);
          this.addWatchFile(file);
          return parseLesson(`lessons/${name}`, readFileSync(file, 'utf8'));
        });
      // JSON.parse of a string literal is read faster by the browser than the same object literal.
      return `export default JSON.parse(${JSON.stringify(JSON.stringify(orderLessons(lessons)))});`;
    },
  };
}
