// The browser tests drive Debian's chromium. Bring it when we can (root), or say exactly what to run.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = process.env.SMTP_LAB_CHROMIUM ?? '/usr/bin/chromium';
const INSTALL = 'apt-get update && apt-get install -y chromium';

if (existsSync(CHROMIUM)) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error(`The browser tests need Debian's chromium at ${CHROMIUM}. Install it with:\n\n  sudo sh -c '${INSTALL}'\n`);
  process.exit(1);
}

console.error(`Installing Debian's chromium for the browser tests: ${INSTALL}`);
try {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit', env });
} catch {
  console.error(`Installing chromium failed. Run it yourself and try again:\n\n  ${INSTALL}\n`);
  process.exit(1);
}
if (!existsSync(CHROMIUM)) {
  console.error(`chromium was installed but ${CHROMIUM} is missing; set SMTP_LAB_CHROMIUM to its path.`);
  process.exit(1);
}
