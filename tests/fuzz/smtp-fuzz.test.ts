/**
 * Hundreds of short, hostile connections on the lab's outside ports (plain, STARTTLS and implicit
 * TLS), each ending its own way: a polite FIN, a hard close, a TCP reset, or just going quiet.
 * Afterwards every one of their conversations has ended, the sockets and heap are back near where
 * they were, the records stay within their bounds, and a well-behaved client has its mail stored.
 */
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Lab } from '../../bridge/lab/lab-types';
import { DEFAULT_CONVERSATION_LIMITS } from '../../bridge/lab/conversations';
import { DEFAULT_MAX_MESSAGES } from '../../bridge/lab/message-store';
import { eventually, RawClient, startLab } from '../integration/smtp-client';
import { type Rng, withSeed } from '../support/prng';
import { inParallel, MB, openSockets, settledHeap, sleep, watchForCrashes, type CrashWatch } from './guard';
import { clientHello, smtpChunk, tlsGarbage } from './smtp-cases';

type Kind = 'plain' | 'starttls' | 'smtps' | 'inside-tls';
const MIX: Array<[Kind, number]> = [['plain', 320], ['starttls', 60], ['smtps', 100], ['inside-tls', 40]];
/** No hostile connection lives longer than this, whatever it is waiting for. */
const CONNECTION_DEADLINE_MS = 1_500;

let lab: Lab;
let stop: () => Promise<void>;
let crashes: CrashWatch;
let hello: Buffer;

beforeAll(async () => {
  crashes = watchForCrashes();
  ({ lab, stop } = await startLab());
  hello = await clientHello();
});
afterAll(async () => {
  crashes.stop();
  await stop?.();
});

/** Resolves when the data seen so far matches, or after `ms` regardless: a fuzz client never insists. */
function seen(socket: net.Socket, pattern: RegExp, ms: number): Promise<void> {
  return new Promise((resolve) => {
    let text = '';
    const done = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (pattern.test(text)) done();
    };
    const timer = setTimeout(done, ms);
    socket.on('data', onData);
    socket.once('close', done);
  });
}

async function hostile(rng: Rng, kind: Kind): Promise<void> {
  const port = kind === 'smtps' || kind === 'inside-tls' ? lab.smtpsAddress.port : lab.smtpAddress.port;
  const socket: net.Socket =
    kind === 'inside-tls' ? tls.connect({ host: '127.0.0.1', port, ca: lab.caPem, servername: 'localhost' }) : net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const deadline = setTimeout(() => socket.destroy(), CONNECTION_DEADLINE_MS);
  try {
    await Promise.race([new Promise((resolve) => socket.once(kind === 'inside-tls' ? 'secureConnect' : 'connect', resolve)), closed]);
    if (kind === 'smtps') {
      for (let n = rng.int(1, 2); n > 0 && socket.writable; n--) socket.write(tlsGarbage(rng, hello));
    } else {
      // Half the clients talk before the greeting, as spam tools do.
      if (rng.chance(0.5)) await seen(socket, /^220 /m, 400);
      if (kind === 'starttls') {
        socket.write('EHLO fuzz.example\r\n');
        await seen(socket, /^250 /m, 400);
        socket.write('STARTTLS\r\n');
        await seen(socket, /^220 /m, 400);
        if (socket.writable) socket.write(tlsGarbage(rng, hello));
      }
      for (let n = rng.int(1, 5); n > 0 && socket.writable && kind !== 'starttls'; n--) {
        socket.write(smtpChunk(rng));
        if (rng.chance(0.5)) await sleep(rng.int(0, 15));
      }
    }
    switch (rng.int(0, 3)) {
      case 0:
        socket.end(); // half-open: we are done talking, the lab decides when to close
        await Promise.race([closed, sleep(300)]);
        break;
      case 1:
        // A TCP reset, where the socket is still a plain one that can send it.
        if (!(socket instanceof tls.TLSSocket) && !socket.destroyed) socket.resetAndDestroy();
        break;
      case 2:
        await sleep(rng.int(0, 100)); // quiet for a moment, then gone
        break;
      default:
        break;
    }
  } finally {
    clearTimeout(deadline);
    socket.destroy();
  }
}

function accepted(): number {
  return lab.listMessages().filter((message) => !message.mailbox).length;
}

async function wellBehaved(subject: string): Promise<void> {
  const client = await RawClient.connect(lab.smtpAddress.port);
  expect((await client.reply()).code).toBe(220);
  for (const [line, code] of [['EHLO good.example', 250], ['MAIL FROM:<good@example.test>', 250], ['RCPT TO:<friend@lab.test>', 250], ['DATA', 354]] as const) {
    expect((await client.command(line)).code).toBe(code);
  }
  expect((await client.command(`Subject: ${subject}\r\n\r\nAll is well.\r\n.`)).code).toBe(250);
  expect((await client.command('QUIT')).code).toBe(221);
  await client.ended;
}

const allEnded = () => lab.listConversations().every((c) => c.endedAt !== null);

it('survives hundreds of hostile connections and then serves a well-behaved client', async () => {
  await withSeed('SMTP fuzz', async (rng) => {
    // Warm up: one connection of each kind and one good session, so that first-use costs are paid.
    for (const [kind] of MIX) await hostile(rng, kind);
    await wellBehaved('warm-up');
    await eventually(allEnded, 10_000);
    const sockets = openSockets();
    const baseline = await settledHeap();

    const plan = MIX.flatMap(([kind, count]) => Array.from({ length: count }, () => kind));
    for (let i = plan.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [plan[i], plan[j]] = [plan[j] as Kind, plan[i] as Kind];
    }
    const before = accepted();
    await inParallel(plan, 24, (kind) => hostile(rng, kind));

    // The tap lingers on half-closed connections for a while; after that nothing may be left open.
    await eventually(allEnded, 15_000);
    expect(crashes.problems).toEqual([]);
    expect(lab.listConversations().length).toBeLessThanOrEqual(DEFAULT_CONVERSATION_LIMITS.maxConversations);
    expect(lab.listMessages().length).toBeLessThanOrEqual(DEFAULT_MAX_MESSAGES);

    const subject = `after the fuzz ${rng.seed}`;
    await wellBehaved(subject);
    const stored = await eventually(() => lab.listMessages().find((message) => message.subject === subject));
    expect(stored.envelopeTo).toEqual(['friend@lab.test']);
    expect(accepted()).toBeGreaterThan(before);

    await eventually(allEnded, 5_000);
    await eventually(() => openSockets() <= sockets + 2 || undefined, 5_000).catch(() => undefined);
    expect(openSockets()).toBeLessThanOrEqual(sockets + 2);
    const growth = (await settledHeap()) - baseline;
    expect(growth, `heap grew by ${(growth / MB).toFixed(1)} MB`).toBeLessThan(24 * MB);
    expect(crashes.problems).toEqual([]);
  });
}, 60_000);
