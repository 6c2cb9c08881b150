import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadLessons, LESSONS_DIR } from '../bridge/lessons/load-lessons';
import { compiledLessons } from './compiled-lessons';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs the plugin's load hook as Vite does for `import ... from 'virtual:lessons'`. */
function compile(lessonsDir: string): string {
  const plugin = compiledLessons(lessonsDir);
  const resolve = plugin.resolveId as (id: string) => string | undefined;
  const load = plugin.load as (this: { addWatchFile(file: string): void }, id: string) => string | undefined;
  const id = resolve('virtual:lessons');
  if (!id) throw new Error('virtual:lessons was not resolved');
  const code = load.call({ addWatchFile: () => undefined }, id);
  if (code === undefined) throw new Error('virtual:lessons was not loaded');
  return code;
}

/** The module's value: the JSON it parses. */
function valueOf(code: string): unknown {
  const literal = /^export default JSON\.parse\((.*)\);$/s.exec(code)?.[1];
  if (!literal) throw new Error(`unexpected module: ${code.slice(0, 80)}`);
  return JSON.parse(JSON.parse(literal) as string);
}

describe('lessons compiled when the app is built', () => {
  it('ships every lesson as JSON, parsed and checked exactly as the tests read them', async () => {
    expect(valueOf(compile(LESSONS_DIR))).toEqual(await loadLessons());
  });

  it('stops the build on a broken lesson, naming its file and field', async () => {
    dir = await mkdtemp(join(tmpdir(), 'smtp-lab-lessons-'));
    await cp(LESSONS_DIR, dir, { recursive: true });
    await writeFile(join(dir, '99-broken.md'), '---\nid: Broken Lesson\nnumber: 99\n---\nText.\n');
    expect(() => compile(dir as string)).toThrow(/lessons\/99-broken\.md: id: must be lower-case/);
  });

  it('stops the build on a lesson whose scenario changes a host the world does not have', async () => {
    dir = await mkdtemp(join(tmpdir(), 'smtp-lab-lessons-'));
    await cp(LESSONS_DIR, dir, { recursive: true });
    const [name] = (await readdir(dir)).filter((file) => file.startsWith('12-'));
    const lesson = await readFile(join(dir, name as string), 'utf8');
    // Lesson 12 as it is, with a scenario that names a mail host the lab world does not have.
    const broken = lesson.replace(/^steps:$/m, 'scenario:\n  world: { hosts: [{ name: mx.nowhere.test, up: false, behaviour: Down }] }\nsteps:');
    expect(broken).not.toBe(lesson);
    await writeFile(join(dir, name as string), broken);
    expect(() => compile(dir as string)).toThrow(new RegExp(`lessons/${name}: scenario\\.world\\.hosts\\.0\\.name: is no mail host of the lab world`));
  });
});
