/**
 * "Copy as" for real: each reproduction, run against a lab, must make the lab record the same
 * commands (and the same message lines) as the conversation it was copied from.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../bridge/lab/lab-types';
import { copyAs, type CopyAsTarget } from '../../core/export/copy-as';
import { SessionTracker } from '../../core/machines/session-tracker';
import { parseCommand } from '../../core/smtp/command';
import { ReplyAssembler } from '../../core/smtp/reply';
import type { WireEvent } from '../../core/wire';
import { eventually, RawClient, startLab } from './smtp-client';

const PLAIN = Buffer.from('\0learner\0learner').toString('base64');
const has = (tool: string) => spawnSync('which', [tool]).status === 0;
/** swaks from the system, or the one scripts/ensure-swaks.mjs unpacked from Debian's package. */
const SWAKS_CACHE_BIN = resolve('node_modules', '.cache', 'smtp-lab-swaks', 'extracted', 'usr', 'bin');
const swaksPath = has('swaks') ? process.env.PATH : existsSync(join(SWAKS_CACHE_BIN, 'swaks')) ? `${SWAKS_CACHE_BIN}:${process.env.PATH ?? ''}` : null;

let lab: Lab;
let stop: () => Promise<void>;
let dir: string;
let target: CopyAsTarget;

beforeAll(async () => {
  ({ lab, stop } = await startLab());
  dir = await mkdtemp(join(tmpdir(), 'smtp-lab-copy-as-'));
  target = { ...lab.smtpAddress, implicitTls: false };
});
afterAll(async () => {
  await stop();
  await rm(dir, { recursive: true, force: true });
});

/** What the server was told, as the session tracker read it: commands (verb upper-cased: smtplib writes "mail FROM:") and message lines. */
function told(events: readonly WireEvent[]): { commands: string[]; content: string[] } {
  const tracker = new SessionTracker();
  const commands: string[] = [];
  const content: string[] = [];
  for (const event of events) {
    if (event.info === 'record') continue;
    const line = tracker.push(event);
    if (event.dir !== 'client') continue;
    if (line.mode === 'data') content.push(event.text);
    else if (line.mode === 'command') {
      const command = parseCommand(event.text);
      commands.push(command.argument ? `${command.verb} ${command.argument}` : command.verb);
    } else commands.push(event.text);
  }
  return { commands, content };
}

/** Run `act` and return the wire events of the one outside conversation it made, once it ended. */
async function recorded(act: () => Promise<unknown>): Promise<WireEvent[]> {
  const before = new Set(lab.listConversations().map((c) => c.id));
  await act();
  const detail = await eventually(() => {
    const made = lab.listConversations().find((c) => !before.has(c.id) && c.origin === 'external');
    const found = made && lab.getConversation(made.id);
    return found?.endedAt ? found : null;
  }, 10_000);
  return detail.lines.map((line) => ({ conversation: detail.id, hop: 0, ...line }));
}

/** The original: a learner's session over STARTTLS with AUTH, a dot-stuffed line, RSET, two messages and NOOP. */
async function original(transactions: 1 | 2): Promise<WireEvent[]> {
  return recorded(async () => {
    const client = await RawClient.connect(lab.smtpAddress.port);
    await client.reply();
    await client.command('EHLO client.example');
    await client.command('STARTTLS');
    await client.startTls(lab.caPem);
    await client.command('EHLO client.example');
    expect((await client.command(`AUTH PLAIN ${PLAIN}`)).code).toBe(235);
    expect((await client.command('MAIL FROM:<alice@example.test> SIZE=120')).code).toBe(250);
    await client.command('RCPT TO:<bob@lab.test>');
    await client.command('RCPT TO:<carol@lab.test>');
    expect((await client.command('DATA')).code).toBe(354);
    client.write('From: alice@example.test\r\nSubject: dots\r\n\r\n..a line that began with a dot\r\nbye\r\n.\r\n');
    expect((await client.reply()).code).toBe(250);
    if (transactions === 2) {
      await client.command('RSET');
      await client.command('MAIL FROM:<alice@example.test>');
      await client.command('RCPT TO:<dave@lab.test>');
      await client.command('DATA');
      client.write('Subject: second\r\n\r\nagain\r\n.\r\n');
      expect((await client.reply()).code).toBe(250);
      await client.command('NOOP');
    }
    await client.command('QUIT');
    await client.ended;
  });
}

function run(command: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, out, err }));
    child.stdin.end(options.input ?? '');
  });
}

describe('copy as, run against the lab', () => {
  it('the Python smtplib script repeats every command and message line', async () => {
    const events = await original(2);
    const script = join(dir, 'reproduce.py');
    await writeFile(script, copyAs(events, target).python.text);
    let result: Awaited<ReturnType<typeof run>> | undefined;
    const again = await recorded(async () => {
      result = await run('python3', [script]);
    });
    expect(result?.err).toBe('');
    expect(result?.code).toBe(0);
    expect(told(again)).toEqual(told(events));
    expect(told(events).commands).toContain('RSET');
  });

  it('the nodemailer snippet repeats every command and message line, RSET included', async () => {
    const events = await original(2);
    const output = copyAs(events, target).nodemailer;
    // nodemailer has no call for NOOP: the snippet says so, and repeats everything else.
    expect(output.notes).toEqual([expect.stringMatching(/^NOOP/)]);
    const script = join(dir, 'reproduce.cjs');
    await writeFile(script, output.text);
    let result: Awaited<ReturnType<typeof run>> | undefined;
    const again = await recorded(async () => {
      result = await run(process.execPath, [script], { env: { NODE_PATH: resolve('node_modules') } });
    });
    expect(result?.err).toBe('');
    expect(result?.code).toBe(0);
    const expected = told(events);
    expected.commands = expected.commands.filter((c) => c !== 'NOOP');
    expect(told(again)).toEqual(expected);
  });

  it('the openssl s_client session, typed a line at a time, repeats every command and message line', async () => {
    const events = await original(2);
    const output = copyAs(events, target).openssl;
    expect(output.notes).toEqual([]);
    const [command, ...args] = output.command!.split(' ');
    const again = await recorded(async () => {
      const child = spawn(command!, args, { stdio: ['pipe', 'pipe', 'ignore'] });
      const assembler = new ReplyAssembler();
      let replies = 0;
      let buffer = '';
      let wake = () => {};
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('latin1');
        let lf: number;
        while ((lf = buffer.indexOf('\n')) !== -1) {
          if (assembler.push(buffer.slice(0, lf).replace(/\r$/, ''))) replies++;
          buffer = buffer.slice(lf + 1);
        }
        wake();
      });
      const closed = new Promise((done) => child.on('close', done));
      const replyCount = async (count: number) => {
        const deadline = Date.now() + 10_000;
        while (replies < count) {
          if (Date.now() > deadline) throw new Error(`no reply to line ${count} in time`);
          await new Promise<void>((done) => {
            wake = done;
            setTimeout(done, 200);
          });
        }
      };
      // As a person types: each line after the reply to the one before; message lines go together.
      let expected = 0;
      let inMessage = false;
      for (const line of output.typed!) {
        child.stdin.write(`${line}\n`);
        if (inMessage && line !== '.') continue;
        inMessage = line.toUpperCase() === 'DATA';
        if (line === '.') inMessage = false;
        await replyCount(++expected);
      }
      child.stdin.end();
      await closed;
    });
    expect(told(again)).toEqual(told(events));
  });

  // Skipped only where swaks could not be had (scripts/ensure-swaks.mjs says why); its text is checked below.
  it.skipIf(swaksPath === null)('the swaks command repeats a one-message conversation', async () => {
    const events = await original(1);
    const output = copyAs(events, target).swaks;
    expect(output.notes).toEqual([expect.stringMatching(/parameters/)]);
    let result: Awaited<ReturnType<typeof run>> | undefined;
    const again = await recorded(async () => {
      result = await run('bash', ['-c', output.text], { env: { PATH: swaksPath ?? '' } });
    });
    expect(result?.code).toBe(0);
    const expected = told(events);
    // swaks has no option for MAIL parameters.
    expected.commands = expected.commands.map((c) => c.replace(' SIZE=120', ''));
    expect(told(again)).toEqual(expected);
  });

  it('the swaks command (its text, where swaks is not installed) carries the conversation', async () => {
    if (swaksPath === null) console.info('swaks could not be had here (see scripts/ensure-swaks.mjs): its command is checked as text only.');
    const events = await original(1);
    const output = copyAs(events, target).swaks;
    expect(output.command).toBe(
      `swaks --server 127.0.0.1 --port ${target.port} --ehlo client.example --tls --auth PLAIN --auth-user learner --auth-password learner --from alice@example.test --to bob@lab.test,carol@lab.test --data - <<'SMTP_LAB_MESSAGE'`,
    );
    expect(output.text).toContain('\nFrom: alice@example.test\nSubject: dots\n\n.a line that began with a dot\nbye\n.\nSMTP_LAB_MESSAGE\n');
  });
});
