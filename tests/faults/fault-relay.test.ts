/**
 * A relay hop whose server stops answering. The smarthost here is a real smtp-server on loopback
 * that can be told to hang up in the middle of a transaction or to say nothing at all: the mail is
 * deferred and retried rather than lost, and the lab still closes promptly with a hop hanging.
 */
import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Lab } from '../../bridge/lab/lab-types';
import { DEMO_CREDENTIALS } from '../../bridge/lab/smtp-server';
import { createLabClock } from '../../bridge/world/lab-clock';
import { RETRY_BASE_MS } from '../../core/world/world-definition';
import type { WorldEvent } from '../../core/world/world-events';
import { eventually, RawClient, startLab } from '../integration/smtp-client';
import { watchForCrashes, type CrashWatch } from '../fuzz/guard';

type Mood = 'hang-up' | 'silent' | 'fine';

async function startSmarthost() {
  const state = { mood: 'fine' as Mood, received: [] as string[] };
  const sockets = new Set<Socket>();
  const server = new SMTPServer({
    hideSTARTTLS: true,
    authOptional: true,
    disableReverseLookup: true,
    logger: false,
    onConnect(_session, callback) {
      if (state.mood !== 'silent') callback(); // silent: no greeting, ever
    },
    onMailFrom(_address, _session, callback) {
      if (state.mood === 'hang-up') {
        for (const socket of sockets) socket.destroy();
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        state.received.push(session.envelope.rcptTo.map((r) => r.address).join(','));
        callback();
      });
    },
  });
  server.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    state,
    port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let smarthost: Awaited<ReturnType<typeof startSmarthost>>;
let crashes: CrashWatch;
beforeAll(async () => {
  crashes = watchForCrashes();
  smarthost = await startSmarthost();
});
afterAll(async () => {
  crashes.stop();
  await smarthost?.close();
});

async function labWithSmarthost() {
  const events: WorldEvent[] = [];
  const started = await startLab({
    // Retries only when the test moves the clock; the hop itself runs on real sockets.
    world: { clock: createLabClock({ realTimers: false }), outbound: { relay: `smtp://127.0.0.1:${smarthost.port}`, allowOutbound: ['far.example'] } },
  });
  started.lab.on('world.event', (event) => events.push(event));
  return { ...started, events };
}

/** Only mail sent after logging in goes to the smarthost: STARTTLS, then AUTH with the lab account. */
async function send(lab: Lab, subject: string): Promise<void> {
  const client = await RawClient.connect(lab.smtpAddress.port);
  await client.reply();
  for (const line of ['EHLO sender.example', 'STARTTLS']) await client.command(line);
  await client.startTls(lab.caPem);
  await client.command('EHLO sender.example');
  const login = Buffer.from(`\0${DEMO_CREDENTIALS.user}\0${DEMO_CREDENTIALS.pass}`).toString('base64');
  expect((await client.command(`AUTH PLAIN ${login}`)).code).toBe(235);
  for (const line of ['MAIL FROM:<learner@lab.test>', 'RCPT TO:<friend@far.example>', 'DATA']) await client.command(line);
  expect((await client.command(`Subject: ${subject}\r\n\r\nhello\r\n.`)).code).toBe(250);
  await client.command('QUIT');
}

it('defers mail when the smarthost hangs up mid-transaction, and delivers it on the retry', async () => {
  const { lab, stop, events } = await labWithSmarthost();
  try {
    smarthost.state.mood = 'hang-up';
    await send(lab, 'hung up on');
    const deferred = await eventually(() => events.find((e) => e.type === 'recipient' && e.outcome === 'deferred'), 8_000);
    expect(deferred).toMatchObject({ recipient: 'friend@far.example' });
    await lab.worldSettled();
    expect(smarthost.state.received).toEqual([]);
    // The hop's conversation ends with the hang-up (the tap may linger a moment); nothing is left running.
    await eventually(() => lab.listConversations().every((c) => c.endedAt !== null), 8_000);

    smarthost.state.mood = 'fine';
    await lab.advanceClock(RETRY_BASE_MS);
    await lab.worldSettled();
    await eventually(() => events.find((e) => e.type === 'recipient' && e.outcome === 'delivered'), 8_000);
    expect(smarthost.state.received).toEqual(['friend@far.example']);
  } finally {
    await stop();
  }
  expect(crashes.problems).toEqual([]);
});

it('keeps the mail queued while the smarthost says nothing, and still closes promptly', async () => {
  const { lab, stop, events } = await labWithSmarthost();
  smarthost.state.mood = 'silent';
  await send(lab, 'into the silence');
  await eventually(() => events.find((e) => e.type === 'relay.hop'), 8_000);
  await new Promise((resolve) => setTimeout(resolve, 300));
  // Not lost: still in flight, no outcome for the recipient yet.
  expect(events.some((e) => e.type === 'recipient')).toBe(false);
  expect(lab.listConversations().some((c) => c.origin === 'relay' && c.endedAt === null)).toBe(true);
  const closing = Date.now();
  await stop();
  expect(Date.now() - closing).toBeLessThan(2_000);
  expect(crashes.problems).toEqual([]);
  smarthost.state.mood = 'fine';
});
