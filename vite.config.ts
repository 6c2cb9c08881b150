import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLessonFile, orderLessons, parseLesson } from './core/lessons/parse-lesson';

const root = fileURLToPath(new URL('./app', import.meta.url));
const lessonsDir = fileURLToPath(new URL('./lessons', import.meta.url));

/** A broken lesson file stops the build with its file and field named, not the learner's page. */
function checkLessons(): Plugin {
  return {
    name: 'smtp-lab:check-lessons',
    buildStart() {
      const lessons = readdirSync(lessonsDir)
        .filter(isLessonFile)
        .map((name) => {
          const file = join(lessonsDir, name);
          this.addWatchFile(file);
          return parseLesson(`lessons/${name}`, readFileSync(file, 'utf8'));
        });
      orderLessons(lessons);
    },
  };
}

export default defineConfig({
  root,
  plugins: [svelte(), checkLessons()],
  build: {
    outDir: fileURLToPath(new URL('./dist/app', import.meta.url)),
    emptyOutDir: true,
    // The CSP forbids inline scripts; keep every module an external file.
    modulePreload: { polyfill: false },
  },
  server: {
    // The course lives beside the app, in lessons/.
    fs: { allow: ['..'] },
    // `npm run dev`: the bridge serves the API and the WebSocket.
    proxy: {
      '/api': 'http://127.0.0.1:5025',
      '/healthz': 'http://127.0.0.1:5025',
      '/ws': { target: 'ws://127.0.0.1:5025', ws: true },
    },
  },
});
