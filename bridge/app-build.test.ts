import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appBuildStaleReason, BUILD_STAMP_FILE, hashSources, readBuildStamp, type BuildStamp } from './app-build';

const SOURCES = ['app', 'lessons', 'vite.config.ts'];
let root: string;
let buildDir: string;

async function stamp(fields: Partial<BuildStamp> = {}): Promise<void> {
  const made: BuildStamp = { mode: 'production', production: true, sources: await hashSources(root, SOURCES), ...fields };
  await writeFile(join(buildDir, BUILD_STAMP_FILE), JSON.stringify(made));
}
const staleReason = () => appBuildStaleReason({ root, buildDir, sources: SOURCES });

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'smtp-lab-build-'));
  buildDir = join(root, 'dist', 'app');
  await mkdir(join(root, 'app', 'lib'), { recursive: true });
  await mkdir(join(root, 'lessons'));
  await mkdir(buildDir, { recursive: true });
  await writeFile(join(root, 'app', 'main.ts'), 'mount(App);\n');
  await writeFile(join(root, 'app', 'lib', 'lessons.ts'), 'export const LESSONS = [];\n');
  await writeFile(join(root, 'lessons', '01-hello.md'), '---\nid: hello\n---\n');
  await writeFile(join(root, 'vite.config.ts'), 'export default {};\n');
  await writeFile(join(buildDir, 'index.html'), '<!doctype html>');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('whether npm start must build the app', () => {
  it('keeps a production build of the current sources', async () => {
    await stamp();
    expect(await staleReason()).toBeNull();
  });

  it('rebuilds a build made under the test environment (not a production build)', async () => {
    await stamp({ production: false });
    expect(await staleReason()).toMatch(/not a production/);
    await stamp({ mode: 'development', production: true });
    expect(await staleReason()).toMatch(/development mode/);
  });

  it('rebuilds when any source changed, even with an older date, or a file was added or removed', async () => {
    await stamp();
    await writeFile(join(root, 'lessons', '01-hello.md'), '---\nid: hello-again\n---\n');
    expect(await staleReason()).toMatch(/sources changed/);

    await stamp();
    await writeFile(join(root, 'app', 'lib', 'new.ts'), '');
    expect(await staleReason()).toMatch(/sources changed/);

    await stamp();
    await rm(join(root, 'app', 'lib', 'new.ts'));
    expect(await staleReason()).toMatch(/sources changed/);
  });

  it('rebuilds a build with no stamp, a damaged stamp, or no page', async () => {
    expect(await staleReason()).toMatch(/no stamp/);
    await writeFile(join(buildDir, BUILD_STAMP_FILE), '{"mode": "production"');
    expect(await staleReason()).toMatch(/no stamp/);
    await stamp();
    await rm(join(buildDir, 'index.html'));
    expect(await staleReason()).toMatch(/no build/);
  });

  it('the build the tests use, made under the test environment, is the production build npm start would serve', async () => {
    // The test runner's global setup built the app (when needed) with NODE_ENV=test set.
    expect(process.env.NODE_ENV).toBe('test');
    expect(await readBuildStamp()).toMatchObject({ mode: 'production', production: true });
    expect(await appBuildStaleReason()).toBeNull();
  });
});
