/**
 * Hosted mode's shared SMTP ports under hostile traffic: junk, junk after STARTTLS, guessed logins
 * and a real lab's login followed by junk. No lab hears of a client that never logged in for it,
 * every conversation a lab adopted ends, sockets and heap come back, and a client with the lab's
 * login still gets its mail stored.
 */
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConversationDetail, MessageSummary } from '../../core/wire';
import { eventually, RawClient } from '../integration/smtp-client';
import { startHostedTestBridge, type HostedTestBridge } from '../support/lab-process';
import { type Rng, withSeed } from '../support/prng';
import { inParallel, MB, openSockets, settledHeap, sleep, watchForCrashes, type CrashWatch } from './guard';
import { smtpChunk } from './smtp-cases';

type Kind = 'junk' | 'starttls-junk' | 'guess' | 'login-junk';
const MIX: Array<[Kind, number]> = [['junk', 160], ['starttls-junk', 40], ['guess', 60], ['login-junk', 40]];
const CONNECTION_DEADLINE_MS = 2_000;

let bridge: HostedTestBridge;
let crashes: CrashWatch;
let cookie = '';
let login: { user: string; pass: string };
let caPem: string;

const api = async <T>(path: string): Promise<T> => (await (await fetch(new URL(path, bridge.webUrl), { headers: { cookie } })).json()) as T;
/** Conversations with outside clients (relay hops of their mail are the lab's own). */
const outside = async () => (await api<ConversationDetail[]>('/api/conversations?limit=200')).filter((c) => c.origin === 'external');

const logSetting = process.env.SMTP_LAB_LOG;

beforeAll(async () => {
  crashes = watchForCrashes();
  // Hundreds of cut-off messages, each logged as a warning, would drown the test output.
  process.env.SMTP_LAB_LOG = process.env.FUZZ_LOG ?? 'silent';
  bridge = await startHostedTestBridge({ limits: { openConversations: 50 } });
  const page = await fetch(bridge.webUrl);
  cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  ({ credentials: login } = await api<{ credentials: { user: string; pass: string } }>('/api/lab'));
  caPem = await (await fetch(new URL('/api/ca.pem', bridge.webUrl))).text();
});
afterAll(async () => {
  crashes.stop();
  await bridge?.close();
  if (logSetting === undefined) delete process.env.SMTP_LAB_LOG;
  else process.env.SMTP_LAB_LOG = logSetting;
});

function reader(socket: net.Socket | tls.TLSSocket) {
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  return (pattern: RegExp, ms: number) =>
    new Promise<void>((resolve) => {
      const started = Date.now();
      const poll = () => (pattern.test(text) || Date.now() - started > ms || socket.destroyed ? resolve() : setTimeout(poll, 5));
      poll();
    });
}

const authPlain = (user: string, pass: string) => `AUTH PLAIN ${Buffer.from(`\0${user}\0${pass}`).toString('base64')}\r\n`;

async function hostile(rng: Rng, kind: Kind): Promise<void> {
  const socket = net.connect({ host: '127.0.0.1', port: bridge.smtp.port });
  socket.on('error', () => {});
  const deadline = setTimeout(() => socket.destroy(), CONNECTION_DEADLINE_MS);
  try {
    const until = reader(socket);
    await until(/^220 /m, 500);
    if (kind === 'junk') {
      for (let n = rng.int(1, 6); n > 0 && socket.writable; n--) socket.write(smtpChunk(rng));
      await sleep(rng.int(0, 50));
      return;
    }
    socket.write('EHLO fuzz.example\r\nSTARTTLS\r\n');
    await until(/^220 2\.0\.0/m, 500);
    const secure = tls.connect({ socket, ca: caPem, servername: 'localhost' });
    secure.on('error', () => {});
    socket.once('close', () => secure.destroy());
    // A TLS socket over a socket that closed mid-handshake may never say so itself: bounded.
    await Promise.race([
      new Promise((resolve) => {
        secure.once('secureConnect', resolve);
        secure.once('close', resolve);
      }),
      sleep(1_000),
    ]);
    const inside = reader(secure);
    secure.write('EHLO fuzz.example\r\n');
    await inside(/^250 /m, 500);
    if (kind === 'guess') secure.write(authPlain(login.user, 'x'.repeat(rng.int(1, 40))));
    if (kind === 'login-junk') {
      secure.write(authPlain(login.user, login.pass));
      await inside(/^235 /m, 500);
    }
    for (let n = rng.int(1, 4); n > 0 && secure.writable; n--) secure.write(smtpChunk(rng));
    await sleep(rng.int(0, 50));
    secure.destroy();
  } finally {
    clearTimeout(deadline);
    socket.destroy();
  }
}

async function wellBehaved(subject: string): Promise<void> {
  const client = await RawClient.connect(bridge.smtp.port);
  expect((await client.reply()).code).toBe(220);
  expect((await client.command('EHLO good.example')).code).toBe(250);
  expect((await client.command('STARTTLS')).code).toBe(220);
  await client.startTls(caPem);
  expect((await client.command('EHLO good.example')).code).toBe(250);
  expect((await client.command(`AUTH PLAIN ${Buffer.from(`\0${login.user}\0${login.pass}`).toString('base64')}`)).code).toBe(235);
  for (const [line, code] of [['MAIL FROM:<good@example.test>', 250], ['RCPT TO:<friend@lab.test>', 250], ['DATA', 354]] as const) {
    expect((await client.command(line)).code).toBe(code);
  }
  expect((await client.command(`Subject: ${subject}\r\n\r\nAll is well.\r\n.`)).code).toBe(250);
  expect((await client.command('QUIT')).code).toBe(221);
  await client.ended;
}

it('keeps strangers out of every lab under hostile traffic, and serves the lab’s own client after', async () => {
  await withSeed('hosted SMTP fuzz', async (rng) => {
    for (const [kind] of MIX) await hostile(rng, kind);
    await wellBehaved('warm-up');
    const sockets = openSockets();
    const baseline = await settledHeap();
    const adoptedBefore = (await outside()).length;

    const plan = MIX.flatMap(([kind, count]) => Array.from({ length: count }, () => kind));
    for (let i = plan.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [plan[i], plan[j]] = [plan[j] as Kind, plan[i] as Kind];
    }
    await inParallel(plan, 24, (kind) => hostile(rng, kind));
    expect(crashes.problems).toEqual([]);

    // Only the clients that logged in with the lab's account became its conversations.
    const conversations = await eventually(async () => {
      const list = await outside();
      return list.every((c) => c.endedAt !== null) ? list : null;
    }, 15_000);
    const adopted = conversations.length - adoptedBefore;
    expect(adopted).toBeGreaterThan(0);
    expect(adopted).toBeLessThanOrEqual(MIX.find(([kind]) => kind === 'login-junk')?.[1] ?? 0);
    for (const conversation of conversations) {
      // The list carries each conversation's newest lines; its first ones (the login) come as a page.
      const start = await api<ConversationDetail>(`/api/conversations/${conversation.id}?before=50&limit=50`);
      expect(start.lines.some((line) => line.dir === 'server' && line.text.startsWith('235'))).toBe(true);
    }

    const subject = `after the fuzz ${rng.seed}`;
    await wellBehaved(subject);
    await eventually(async () => (await api<MessageSummary[]>('/api/messages')).some((m) => m.subject === subject));

    await eventually(() => openSockets() <= sockets + 2 || undefined, 5_000).catch(() => undefined);
    expect(openSockets()).toBeLessThanOrEqual(sockets + 2);
    const growth = (await settledHeap()) - baseline;
    expect(growth, `heap grew by ${(growth / MB).toFixed(1)} MB`).toBeLessThan(24 * MB);
    expect(crashes.problems).toEqual([]);
  });
}, 90_000);
