/**
 * Static files compressed once, when the app is built, and served as they are: a brotli (.br) and
 * a gzip (.gz) copy beside each text file, the one the browser asks for picked by Accept-Encoding.
 * Nothing is compressed per request.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

export type Encoding = 'br' | 'gzip';

/** The copy of `file` in each encoding sits at `file + suffix`. Preferred first. */
export const ENCODED_SUFFIX: Readonly<Record<Encoding, string>> = { br: '.br', gzip: '.gz' };

/** Text files worth compressing; images and fonts are compressed already. */
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt', '.map']);

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : Promise.resolve([join(dir, entry.name)]))),
  );
  return nested.flat();
}

/**
 * Writes a .br and a .gz beside every compressible file under `dir` (the build output), each at
 * the best compression: it runs once per build. A copy not smaller than the file is not written.
 * Returns the files compressed.
 */
export async function precompressDir(dir: string): Promise<string[]> {
  const files = (await filesUnder(dir)).filter((file) => COMPRESSIBLE.has(extname(file)));
  await Promise.all(
    files.map(async (file) => {
      const raw = await readFile(file);
      const [br, gz] = await Promise.all([
        brotli(raw, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
            [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
            [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
          },
        }),
        gzipAsync(raw, { level: constants.Z_BEST_COMPRESSION }),
      ]);
      if (br.length < raw.length) await writeFile(file + ENCODED_SUFFIX.br, br);
      if (gz.length < raw.length) await writeFile(file + ENCODED_SUFFIX.gzip, gz);
    }),
  );
  return files;
}

/**
 * The encodings an Accept-Encoding header allows, best first: by its q-values, brotli before gzip
 * on a tie; `q=0` refuses one, `*` stands for any not named.
 */
export function acceptedEncodings(header: string | undefined): Encoding[] {
  const weights = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    const weight = q === undefined ? 1 : Number(q);
    weights.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const weightOf = (encoding: Encoding) => weights.get(encoding) ?? weights.get('*') ?? 0;
  return (Object.keys(ENCODED_SUFFIX) as Encoding[])
    .filter((encoding) => weightOf(encoding) > 0)
    .sort((a, b) => weightOf(b) - weightOf(a));
}

/** The compressed copy of `file` to send for this Accept-Encoding, if the build made one. */
export async function encodedCopy(
  file: string,
  acceptEncoding: string | undefined,
): Promise<{ encoding: Encoding; path: string; size: number } | null> {
  if (!COMPRESSIBLE.has(extname(file))) return null;
  for (const encoding of acceptedEncodings(acceptEncoding)) {
    const path = file + ENCODED_SUFFIX[encoding];
    const info = await stat(path).catch(() => null);
    if (info?.isFile()) return { encoding, path, size: info.size };
  }
  return null;
}

/** Whether a file compressible at all has copies: the server says Vary: Accept-Encoding for it. */
export function isCompressible(file: string): boolean {
  return COMPRESSIBLE.has(extname(file));
}
