/**
 * Taking and relaying, with the relay's connection reuse off and on, side by side in one run: two
 * lab bridges in their own processes, one started with a new connection (and full TLS handshake)
 * for every relayed message, one with the defaults (connections kept per host and reused, TLS
 * sessions resumed). smtp-source sends 1 KB messages to a lab mailbox; a message counts once it is
 * relayed, signed, checked and filed in bob's mailbox. Bridges take turns round by round, so a busy
 * moment on the shared machine hits both alike.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateCertificates } from '../bridge/lab/certificates';
import type { RelaySessionOptions } from '../bridge/world/relay-sessions';
import { createWorld } from '../bridge/world/world';
import { spawnBridge, type BridgeProcess } from './bridge-process';
import { RECIPIENT, relayDrained, settle } from './delivery-throughput';
import { runNodemailer } from './nodemailer-load';
import { obtainSmtpSource, runSmtpSource } from './smtp-source';
import { median } from './stats';

/** End to end, messages a second (issue 17). */
const GOAL_RATE = 500;
/** …and at least this many times the figure without reuse, on the same run. */
const GOAL_RATIO = 2;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MESSAGES = Number(process.env.BENCH_RELAY_MESSAGES ?? 1_000);
const MESSAGE_SIZE = 1024;

const SETUPS = {
  'reuse off': ['--relay-messages-per-session', '1', '--relay-idle-ms', '0'],
  'reuse on': [],
} as const;
type Setup = keyof typeof SETUPS;

interface Round {
  /** Messages a second from the client's first message to the last one in its mailbox. */
  rate: number;
  /** The bridge's CPU microseconds per message, taking in and relaying. */
  cpu: number;
}

export async function measureRelayReuse(): Promise<void> {
  console.log(`\nTaking and relaying, reuse off and on: ${MESSAGES} messages of 1 KB to ${RECIPIENT} per run, each relayed to its mailbox.`);
  const found = await obtainSmtpSource();
  const client = 'missing' in found ? 'nodemailer (5 pooled connections)' : 'smtp-source (10 sessions, -d)';
  if ('missing' in found) console.log(`smtp-source skipped (${found.missing}): nodemailer sends instead.`);
  const send = (port: number) =>
    'missing' in found
      ? runNodemailer({ port, connections: 5, size: MESSAGE_SIZE, messages: MESSAGES, to: RECIPIENT, timeoutMs: 120_000 })
      : runSmtpSource(found, { port, sessions: 10, size: MESSAGE_SIZE, messages: MESSAGES, to: RECIPIENT, timeoutMs: 120_000 });

  const bridges = new Map<Setup, BridgeProcess>();
  try {
    for (const [setup, args] of Object.entries(SETUPS) as Array<[Setup, readonly string[]]>) bridges.set(setup, await spawnBridge([], undefined, [...args]));
    const rounds = new Map<Setup, Round[]>([...bridges.keys()].map((setup) => [setup, []]));
    for (let round = 0; round <= ROUNDS; round++) {
      // Round 0 warms both up (JIT, the world's hosts started) and is not counted.
      const order = round % 2 ? [...bridges.keys()].reverse() : [...bridges.keys()];
      for (const setup of order) {
        const bridge = bridges.get(setup)!;
        try {
          const cpuBefore = bridge.cpuSeconds();
          const seconds = (await send(bridge.smtp.port)) + (await relayDrained(bridge.webUrl));
          const cpu = ((bridge.cpuSeconds() - cpuBefore) / MESSAGES) * 1e6;
          await settle(bridge);
          if (round > 0) rounds.get(setup)?.push({ rate: MESSAGES / seconds, cpu });
        } catch (error) {
          console.log(`${setup}, round ${round}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
    report(client, rounds);
  } finally {
    await Promise.all([...bridges.values()].map((bridge) => bridge.stop()));
  }
  await oneAtATime();
}

/** Messages relayed one after another, each once the last is delivered: as a learner sends them. */
const ONE_AT_A_TIME = 20;

/**
 * Mail that comes a message at a time: a lab world in this process relays each message only once
 * the one before is delivered. Without reuse each pays a new connection (smtp-server's 100 ms
 * greeting delay, two TLS handshakes); with it, the connection kept idle since the last one.
 */
async function oneAtATime(): Promise<void> {
  const stateDir = await mkdtemp(join(tmpdir(), 'smtp-lab-bench-'));
  try {
    const certificates = await loadOrCreateCertificates(stateDir);
    const perMessage = async (relaySessions: RelaySessionOptions) => {
      const world = await createWorld({ certificates, relaySessions });
      try {
        const send = async (subject: string) => {
          world.enqueue({ raw: Buffer.from(`From: learner@lab.test\r\nSubject: ${subject}\r\n\r\nhello\r\n`), envelopeFrom: 'learner@lab.test', envelopeTo: [RECIPIENT] });
          await world.settled();
        };
        await send('warm-up');
        const started = performance.now();
        for (let i = 0; i < ONE_AT_A_TIME; i++) await send(`one at a time ${i}`);
        return (performance.now() - started) / ONE_AT_A_TIME;
      } finally {
        await world.close();
      }
    };
    const off = await perMessage({ idleMs: 0 });
    const on = await perMessage({});
    console.log(`One message at a time (${ONE_AT_A_TIME}, each relayed before the next): ${off.toFixed(1)} ms each with a new connection, ${on.toFixed(1)} ms on the connection kept idle (${(off / on).toFixed(1)}x).`);
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

function report(client: string, rounds: Map<Setup, Round[]>): void {
  const rate = (setup: Setup) => median((rounds.get(setup) ?? []).map((r) => r.rate));
  const cpu = (setup: Setup) => median((rounds.get(setup) ?? []).map((r) => r.cpu));
  const off = rate('reuse off');
  const on = rate('reuse on');
  const table: Record<string, Record<string, string>> = {};
  for (const setup of Object.keys(SETUPS) as Setup[]) {
    const figure = rate(setup);
    table[setup] = {
      'msg/s end to end': fmt(figure),
      'µs CPU per message': fmt(cpu(setup)),
      [`goal >= ${GOAL_RATE} msg/s`]: verdict(figure >= GOAL_RATE),
      [`goal >= ${GOAL_RATIO}x reuse off`]: setup === 'reuse off' ? '-' : `${(figure / off).toFixed(2)}x ${verdict(figure / off >= GOAL_RATIO)}`,
    };
  }
  console.log(`median of ${ROUNDS} runs each, client ${client}; end to end: from the first message sent to the last one filed in its mailbox.`);
  console.table(table);
  console.log(`reuse on / reuse off: ${(on / off).toFixed(2)}x the messages a second, ${(cpu('reuse on') / cpu('reuse off')).toFixed(2)}x the CPU per message.`);
}

const fmt = (value: number) => (Number.isFinite(value) ? String(Math.round(value)) : 'failed');
const verdict = (met: boolean) => (met ? 'PASS' : 'FAIL');
