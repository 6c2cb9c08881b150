import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('./app', import.meta.url));

export default defineConfig({
  root,
  plugins: [svelte()],
  build: {
    outDir: fileURLToPath(new URL('./dist/app', import.meta.url)),
    emptyOutDir: true,
    // The CSP forbids inline scripts; keep every module an external file.
    modulePreload: { polyfill: false },
  },
  server: {
    // `npm run dev`: the bridge serves the API and the WebSocket.
    proxy: {
      '/api': 'http://127.0.0.1:5025',
      '/healthz': 'http://127.0.0.1:5025',
      '/ws': { target: 'ws://127.0.0.1:5025', ws: true },
    },
  },
});
