// The deployment test puts Debian's nginx in front of two bridges. Use the system's nginx when there
// is one; otherwise take the binary out of Debian's package (`apt-get download` + `dpkg -x` into
// node_modules/.cache), so no web server is installed, enabled or started. If that cannot be done
// here, say exactly what to run. tests/support/deploy.ts looks for nginx in the same places.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE = join(ROOT, 'node_modules', '.cache', 'smtp-lab-nginx');
const EXTRACTED = join(CACHE, 'extracted');
const CACHED = join(EXTRACTED, 'usr', 'sbin', 'nginx');
const SYSTEM = '/usr/sbin/nginx';
const MANUAL = [
  `  sudo apt-get update`,
  `  mkdir -p ${CACHE} && cd ${CACHE}`,
  `  apt-get download nginx && dpkg -x nginx_*.deb extracted`,
].join('\n');

/** Library directories inside the unpacked packages (a library nginx needs may have been unpacked too). */
function libraryPath() {
  const dirs = [];
  for (const base of [join(EXTRACTED, 'usr', 'lib'), join(EXTRACTED, 'lib')]) {
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base)) if (entry.endsWith('-linux-gnu')) dirs.push(join(base, entry));
  }
  return dirs.join(':');
}

/** True if `binary -v` runs (it needs no configuration). */
function runs(binary, withCachedLibs = false) {
  try {
    const env = withCachedLibs ? { ...process.env, LD_LIBRARY_PATH: libraryPath() } : process.env;
    execFileSync(binary, ['-v'], { stdio: 'ignore', env, timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

function fail(why) {
  console.error(`The deployment test needs nginx: ${why}\nFetch it into the project's cache with:\n\n${MANUAL}\n\nor install Debian's nginx, or set SMTP_LAB_NGINX to an nginx binary.\n`);
  process.exit(1);
}

const configured = process.env.SMTP_LAB_NGINX;
if (configured) {
  if (runs(configured)) process.exit(0);
  fail(`SMTP_LAB_NGINX=${configured} does not run`);
}
if (existsSync(SYSTEM) && runs(SYSTEM)) process.exit(0);
if (existsSync(CACHED) && runs(CACHED, true)) process.exit(0);

if (process.platform !== 'linux') fail('it is taken from a Debian package, on Linux only');
try {
  execFileSync('sh', ['-c', 'command -v apt-get && command -v dpkg'], { stdio: 'ignore' });
} catch {
  fail('apt-get and dpkg are not available here');
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
try {
  mkdirSync(CACHE, { recursive: true });
} catch {
  fail(`cannot create ${CACHE}`);
}

/** `apt-get download` into the cache; a fresh machine has no package lists yet, and only root may fetch them. */
function download(packages) {
  try {
    execFileSync('apt-get', ['download', ...packages], { cwd: CACHE, stdio: 'ignore', env, timeout: 180_000 });
  } catch {
    if (!isRoot) fail(`apt-get download ${packages.join(' ')} failed (are the package lists there? \`apt-get update\` needs root)`);
    console.error('Fetching the package lists for nginx: apt-get update');
    try {
      execFileSync('apt-get', ['update'], { stdio: 'inherit', env, timeout: 300_000 });
      execFileSync('apt-get', ['download', ...packages], { cwd: CACHE, stdio: 'inherit', env, timeout: 180_000 });
    } catch {
      fail(`apt-get download ${packages.join(' ')} failed`);
    }
  }
}

/** Unpacks every downloaded package of these names into the cache (no maintainer scripts run). */
function unpack(packages) {
  for (const name of packages) {
    const deb = readdirSync(CACHE).find((file) => file.startsWith(`${name}_`) && file.endsWith('.deb'));
    if (!deb) fail(`apt-get download ${name} left no .deb behind`);
    execFileSync('dpkg', ['-x', join(CACHE, deb), EXTRACTED], { stdio: 'inherit', timeout: 60_000 });
  }
}

console.error(`Unpacking Debian's nginx for the deployment test into ${CACHE} (nothing is installed or started)`);
for (const file of readdirSync(CACHE)) if (file.endsWith('.deb')) rmSync(join(CACHE, file));
rmSync(EXTRACTED, { recursive: true, force: true });
download(['nginx']);
unpack(['nginx']);
if (runs(CACHED, true)) process.exit(0);

// The binary is there but does not start: some library it links is not installed. Unpack the
// library packages nginx depends on that this machine lacks next to it.
let missing = [];
try {
  const depends = execFileSync('apt-cache', ['depends', '--no-recommends', '--no-suggests', 'nginx'], { encoding: 'utf8' });
  const libraries = [...depends.matchAll(/^\s*Depends: (lib\S+|zlib\S+)$/gm)].map((match) => match[1]);
  missing = libraries.filter((name) => {
    try {
      return !/install ok installed/.test(execFileSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    } catch {
      return true;
    }
  });
} catch {
  fail('the unpacked nginx does not run, and apt-cache cannot say what it depends on');
}
if (missing.length > 0) {
  console.error(`Unpacking the libraries nginx needs next to it: ${missing.join(' ')}`);
  download(missing);
  unpack(missing);
}
if (!runs(CACHED, true)) fail(`${CACHED} was unpacked but does not run (try \`ldd ${CACHED}\`)`);
