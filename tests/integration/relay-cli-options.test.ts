/** The relay's connection options on the command line: shown with their defaults, bad values refused clearly. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MESSAGES_PER_SESSION, RELAY_IDLE_MS, SESSIONS_PER_HOST } from '../../bridge/world/relay-sessions';

const run = promisify(execFile);
const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'bridge/cli.ts', ...args], { timeout: 30_000 });

describe('the relay connection options of npm start', () => {
  it('lists each with its default in --help', async () => {
    const { stdout } = await cli('--help');
    expect(stdout).toMatch(new RegExp(`--relay-idle-ms <n>[\\s\\S]*\\(default ${RELAY_IDLE_MS}; 0 = QUIT at once\\)`));
    expect(stdout).toContain(`--relay-sessions-per-host <n> connections the relay holds to one mail host at once (default ${SESSIONS_PER_HOST})`);
    expect(stdout).toMatch(new RegExp(`--relay-messages-per-session <n>[\\s\\S]*\\(default ${MESSAGES_PER_SESSION}; 1 = a new connection for every message\\)`));
  });

  it.each([
    ['--relay-idle-ms', 'soon', 'from 0 up'],
    ['--relay-sessions-per-host', '0', 'from 1 up'],
    ['--relay-messages-per-session', '2.5', 'from 1 up'],
  ])('refuses %s %s before starting anything', async (flag, value, range) => {
    const failed = await cli('--no-build', flag, value).then(
      () => null,
      (error: { stderr: string; code: number }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain(`${flag} must be a whole number ${range}, not "${value}"`);
  });
});
