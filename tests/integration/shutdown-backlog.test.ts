/**
 * Ctrl-C with a backlog: a thousand messages accepted and being relayed must not hold up the
 * close. Neither the lab nor the world may wait for per-message work once it is closing.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadOrCreateCertificates, type LabCertificates } from '../../bridge/lab/certificates';
import { createLab } from '../../bridge/lab/lab';
import { PROJECT_ROOT } from '../../bridge/app-build';
import { createWorld } from '../../bridge/world/world';

const MESSAGES = 1_000;
let stateDir: string;
let certificates: LabCertificates;
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'shutdown-backlog-'));
  certificates = await loadOrCreateCertificates(stateDir);
});
afterAll(() => rm(stateDir, { recursive: true, force: true }));

const message = Buffer.from('From: learner@lab.test\r\nTo: bob@example.test\r\nSubject: backlog\r\n\r\nhello\r\n');

/**
 * One session, each transaction pipelined up to DATA (RFC 2920: the message itself waits for the
 * 354). Resolves with the socket once `count` messages got their 250.
 */
function pipeline(port: number, count: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const envelope = 'MAIL FROM:<learner@lab.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n';
    let text = '';
    let sent = 0;
    let accepted = 0;
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const lines = text.split('\r\n');
      text = lines.pop() ?? '';
      for (const line of lines) {
        // After the greeting: a client that talks first is an early talker, and gets 421.
        if (line.startsWith('220 ')) socket.write(`EHLO backlog.test\r\n${envelope}`);
        if (line.startsWith('354 ')) socket.write(`${message.toString()}.\r\n${++sent < count ? envelope : ''}`);
        if (/^250 .*queued/i.test(line) && ++accepted === count) resolve(socket);
      }
    });
    socket.once('error', reject);
  });
}

it('a world with a thousand messages in flight closes within two seconds', async () => {
  const world = await createWorld({ certificates });
  for (let i = 0; i < MESSAGES; i++) world.enqueue({ raw: message, envelopeFrom: 'learner@lab.test', envelopeTo: ['bob@example.test'] });
  // Let the relaying get going: hops open, handshakes under way.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const started = Date.now();
  await world.close();
  expect(Date.now() - started).toBeLessThan(2_000);
}, 20_000);

it('a lab that just accepted a thousand messages closes within two seconds', async () => {
  const lab = await createLab({ host: '127.0.0.1', smtpPort: 0, smtpsPort: 0, stateDir, log: () => {} });
  const client = await pipeline(lab.smtpAddress.port, MESSAGES);
  const started = Date.now();
  await lab.close();
  expect(Date.now() - started).toBeLessThan(2_000);
  client.destroy();
}, 30_000);

it('npm start exits 0 on SIGTERM within a few seconds of a backlog', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bridge/cli.ts', '--http-port', '0', '--smtp-port', '0', '--smtps-port', '0', '--no-build', '--state-dir', stateDir], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, SMTP_LAB_LOG: 'quiet' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const found = /smtp: \S+:(\d+)/.exec(out);
        if (found) resolve(Number(found[1]));
      });
      child.once('exit', () => reject(new Error(`the bridge exited before listening: ${out}`)));
    });
    const client = await pipeline(port, MESSAGES);
    const started = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    client.destroy();
  } finally {
    child.kill('SIGKILL');
  }
}, 60_000);
