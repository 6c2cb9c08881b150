// The Copy as test runs the swaks command it prints. Use the system's swaks when there is one;
// otherwise take the script out of Debian's package (`apt-get download` + `dpkg -x` into
// node_modules/.cache), so nothing is installed. It is one Perl script: the Perl it needs for TLS
// comes with the machine. If it cannot be had here, say how, and the test checks the command's
// text only (tests/integration/copy-as.test.ts looks in the same places).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE = join(ROOT, 'node_modules', '.cache', 'smtp-lab-swaks');
const CACHED = join(CACHE, 'extracted', 'usr', 'bin', 'swaks');

function onPath() {
  try {
    execFileSync('which', ['swaks'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (onPath() || existsSync(CACHED)) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
try {
  rmSync(CACHE, { recursive: true, force: true });
  mkdirSync(CACHE, { recursive: true });
  const download = () => execFileSync('apt-get', ['download', 'swaks'], { cwd: CACHE, stdio: 'ignore', timeout: 120_000 });
  try {
    download();
  } catch (error) {
    // A fresh machine may have no package lists yet.
    if (!isRoot) throw error;
    execFileSync('apt-get', ['update'], { stdio: 'ignore', timeout: 300_000 });
    download();
  }
  const deb = readdirSync(CACHE).find((name) => name.startsWith('swaks_') && name.endsWith('.deb'));
  if (!deb) throw new Error('apt-get download left no swaks package');
  execFileSync('dpkg', ['-x', deb, 'extracted'], { cwd: CACHE, stdio: 'ignore' });
  if (!existsSync(CACHED)) throw new Error('the package has no usr/bin/swaks');
  console.error(`swaks for the Copy as test: ${CACHED}`);
} catch (error) {
  console.error(
    `swaks could not be fetched (${error instanceof Error ? error.message : String(error)}); the Copy as test checks its command as text only. ` +
      `To run it too: apt-get download swaks && dpkg -x swaks_*.deb ${join(CACHE, 'extracted')}`,
  );
}
