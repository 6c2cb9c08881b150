/** Another revision of this repository in a temporary git worktree, to run its bridge beside this checkout's. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../bridge/app-build';

const run = promisify(execFile);
const git = async (...args: string[]) => (await run('git', ['-C', PROJECT_ROOT, ...args])).stdout.trim();

export interface RevisionCheckout {
  root: string;
  /** "<revision> (<short hash>)". */
  label: string;
  remove(): Promise<void>;
}

/** Checks `revision` out with this checkout's node_modules (said so when its lock file differs). */
export async function checkOutRevision(revision: string, flag: string): Promise<RevisionCheckout> {
  const commit = await resolveCommit(revision, flag);
  const label = `${revision} (${commit.slice(0, 8)})`;
  const root = await mkdtemp(join(tmpdir(), 'smtp-lab-compare-'));
  const remove = async () => {
    await run('git', ['-C', PROJECT_ROOT, 'worktree', 'remove', '--force', root]).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  };
  try {
    await git('worktree', 'add', '--detach', root, commit);
    await symlink(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    if ((await git('diff', '--name-only', commit, '--', 'package-lock.json')) !== '') {
      console.log(`Note: ${label} pins other dependencies; it runs with this checkout's node_modules.`);
    }
    if (!existsSync(join(root, 'bridge', 'cli.ts'))) throw new Error(`${label} has no bridge/cli.ts to run`);
  } catch (error) {
    await remove();
    throw error;
  }
  return { root, label, remove };
}

async function resolveCommit(revision: string, flag: string): Promise<string> {
  try {
    return await git('rev-parse', '--verify', '--quiet', `${revision}^{commit}`);
  } catch {
    throw new Error(`${flag}: "${revision}" is not a commit of this checkout (try a hash, a tag or HEAD~1)`);
  }
}

/** This checkout's short hash, and whether it has changes not committed. */
export async function describeCheckout(): Promise<string> {
  const head = (await git('rev-parse', '--short=8', 'HEAD')).trim();
  const changed = (await git('status', '--porcelain', '--untracked-files=no')) !== '';
  return changed ? `${head} with uncommitted changes` : head;
}
