/**
 * Serves the built app from dist/app. Only files inside that folder; unknown paths get index.html.
 * Text files go out as the brotli or gzip copy the build made (precompressed.ts), as the browser accepts.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodedCopy, isCompressible } from './precompressed';
import { SECURITY_HEADERS } from './security-headers';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function createStaticHandler(root: string) {
  const rootWithSep = root.endsWith(sep) ? root : root + sep;

  return async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://lab');
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      pathname = '/';
    }
    const candidate = normalize(join(root, pathname));
    // Anything outside the build folder, or a folder, falls back to the app's page.
    let file = candidate.startsWith(rootWithSep) ? candidate : join(root, 'index.html');
    let info = await stat(file).catch(() => null);
    if (!info || !info.isFile()) {
      file = join(root, 'index.html');
      info = await stat(file).catch(() => null);
    }
    if (!info) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
      res.end('The app is not built yet. Run `npm start`, which builds it.\n');
      return;
    }
    const hashed = file.includes(`${sep}assets${sep}`);
    const encoded = await encodedCopy(file, req.headers['accept-encoding']);
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': String(encoded?.size ?? info.size),
      ...(encoded ? { 'Content-Encoding': encoded.encoding } : {}),
      // A cache keeps one copy per encoding.
      ...(isCompressible(file) ? { Vary: 'Accept-Encoding' } : {}),
      // Vite puts a content hash in asset names, so those can be cached for good; the page is asked for each time.
      'Cache-Control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...SECURITY_HEADERS,
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(encoded?.path ?? file).on('error', () => res.destroy()).pipe(res);
  };
}

/** A page the app answers (not an asset, not the API): where a browser without a lab gets one. */
export function isPage(pathname: string): boolean {
  return !pathname.startsWith('/assets/') && !pathname.startsWith('/api/') && (/\.html?$/.test(pathname) || !/\.[a-z0-9]+$/i.test(pathname));
}
