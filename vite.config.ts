import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { buildStamp } from './vite-plugins/build-stamp';
import { compiledLessons } from './vite-plugins/compiled-lessons';
import { precompress } from './vite-plugins/precompress';

const root = fileURLToPath(new URL('./app', import.meta.url));
const lessonsDir = fileURLToPath(new URL('./lessons', import.meta.url));

export default defineConfig({
  root,
  plugins: [svelte(), compiledLessons(lessonsDir), precompress(), buildStamp()],
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
