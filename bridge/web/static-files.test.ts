import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { request, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedEncodings, precompressDir } from './precompressed';
import { createStaticHandler } from './static-files';

// Large and repetitive, as a bundle is: worth compressing.
const SCRIPT = `export const lines = [${Array.from({ length: 400 }, (_, i) => `"250-line ${i} of a reply"`).join(',')}];\n`;
const PAGE = `<!doctype html><html><head><title>SMTP Lab</title><script type="module" src="/assets/index-abc123.js"></script></head><body>${'<div></div>'.repeat(200)}</body></html>`;

let root: string;
let server: Server;
let port: number;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(path: string, acceptEncoding?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: acceptEncoding === undefined ? {} : { 'Accept-Encoding': acceptEncoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'smtp-lab-static-'));
  await mkdir(join(root, 'assets'));
  await writeFile(join(root, 'index.html'), PAGE);
  await writeFile(join(root, 'assets', 'index-abc123.js'), SCRIPT);
  await writeFile(join(root, 'assets', 'logo-abc123.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
  await precompressDir(root);
  const serve = createStaticHandler(root);
  server = createServer((req, res) => void serve(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});

describe('the build compresses the app once', () => {
  it('writes a brotli and a gzip copy beside each text file, none beside an image', async () => {
    const assets = await readdir(join(root, 'assets'));
    expect(assets.sort()).toEqual(['index-abc123.js', 'index-abc123.js.br', 'index-abc123.js.gz', 'logo-abc123.png']);
    expect(await readdir(root)).toContain('index.html.br');
  });
});

describe('static files', () => {
  it('sends brotli to a browser that takes it, with the hashed script cached for good', async () => {
    const answer = await get('/assets/index-abc123.js', 'gzip, deflate, br, zstd');
    expect(answer.headers['content-encoding']).toBe('br');
    expect(answer.headers['vary']).toBe('Accept-Encoding');
    expect(answer.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(answer.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(Number(answer.headers['content-length'])).toBe(answer.body.length);
    expect(answer.body.length).toBeLessThan(SCRIPT.length / 4);
    expect(brotliDecompressSync(answer.body).toString()).toBe(SCRIPT);
  });

  it('sends gzip when brotli is not accepted, or refused with q=0', async () => {
    for (const header of ['gzip', 'gzip, br;q=0', 'br;q=0.5, gzip']) {
      const answer = await get('/assets/index-abc123.js', header);
      expect(answer.headers['content-encoding'], header).toBe('gzip');
      expect(gunzipSync(answer.body).toString()).toBe(SCRIPT);
    }
  });

  it('sends the file as it is to a client that accepts no encoding', async () => {
    for (const header of [undefined, 'identity', 'br;q=0, gzip;q=0']) {
      const answer = await get('/assets/index-abc123.js', header);
      expect(answer.headers['content-encoding'], header).toBeUndefined();
      expect(answer.headers['vary']).toBe('Accept-Encoding');
      expect(answer.body.toString()).toBe(SCRIPT);
    }
  });

  it('asks for the page each time, compressed too, including on a deep link', async () => {
    for (const path of ['/', '/lessons/hello-server']) {
      const answer = await get(path, 'gzip, br');
      expect(answer.headers['cache-control']).toBe('no-cache');
      expect(answer.headers['content-encoding']).toBe('br');
      expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(brotliDecompressSync(answer.body).toString()).toBe(PAGE);
    }
  });

  it('sends an image as it is, without Vary', async () => {
    const answer = await get('/assets/logo-abc123.png', 'gzip, br');
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.headers['vary']).toBeUndefined();
    expect(answer.headers['content-type']).toBe('image/png');
  });
});

describe('Accept-Encoding', () => {
  it('orders by q-value, brotli first on a tie, and honours * and q=0', () => {
    expect(acceptedEncodings('gzip, br')).toEqual(['br', 'gzip']);
    expect(acceptedEncodings('br;q=0.2, gzip;q=0.8')).toEqual(['gzip', 'br']);
    expect(acceptedEncodings('*')).toEqual(['br', 'gzip']);
    expect(acceptedEncodings('*, br;q=0')).toEqual(['gzip']);
    expect(acceptedEncodings('deflate')).toEqual([]);
    expect(acceptedEncodings(undefined)).toEqual([]);
  });
});
