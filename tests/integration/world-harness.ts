/**
 * A running world for the world-* integration tests: the lab's own submission server (a real
 * smtp-server) hands what it accepts to the world's queue, exactly as the lab wires it, and every
 * relay hop is recorded through a real LineTap. The lab clock only moves when a test fast-forwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { loadOrCreateCertificates, type LabCertificates } from '../../bridge/lab/certificates';
import { MessageStore } from '../../bridge/lab/message-store';
import { createLabSmtpServer, DEMO_CREDENTIALS } from '../../bridge/lab/smtp-server';
import { LineTap, type TapEvent } from '../../bridge/tap/line-tap';
import { LoopbackPairs } from '../../bridge/tap/loopback-pair';
import { createLabClock } from '../../bridge/world/lab-clock';
import { createWorld, type HopStart, type World, type WorldOptions, type WorldTiming } from '../../bridge/world/world';
import { tapUpstream } from '../../bridge/world/world-sockets';
import type { WorldEvent } from '../../core/world/world-events';
import { transactionSpan } from '../../core/machines/transaction-span';

export interface RecordedHop {
  hop: HopStart;
  events: TapEvent[];
  closed: boolean;
}

export interface Mail {
  from?: string;
  to: string[];
  subject?: string;
  text?: string;
  /** Log in with the lab account after STARTTLS, as a mail client with an account does (default: no AUTH). */
  login?: boolean;
  /** The whole message as sent, headers and all, instead of one nodemailer composes. */
  raw?: string;
}

export interface WorldLab {
  world: World;
  certificates: LabCertificates;
  events: WorldEvent[];
  hops: Map<string, RecordedHop>;
  /** Send through the submission server; resolves with the queue id once it said 250. */
  submit(mail: Mail): Promise<string>;
  eventsOf<T extends WorldEvent['type']>(type: T, queueId?: string): Array<Extract<WorldEvent, { type: T }>>;
  /**
   * Each hop of the message as its relay.hop names it: the lines of its own transactions in the
   * conversation that carried it (with the greeting, EHLO and STARTTLS when it opened that
   * connection), as a snapshot.
   */
  hopsOf(queueId: string): RecordedHop[];
  close(): Promise<void>;
}

let counter = 0;

/** `extra`: world options a test needs beyond the lab's defaults (outbound delivery, a log). */
export async function startWorld(timing: Partial<WorldTiming> = {}, extra: Pick<WorldOptions, 'outbound' | 'log' | 'relaySessions' | 'learnerDomain'> = {}): Promise<WorldLab> {
  const stateDir = await mkdtemp(join(tmpdir(), 'world-test-'));
  const certificates = await loadOrCreateCertificates(stateDir);
  const events: WorldEvent[] = [];
  const hops = new Map<string, RecordedHop>();
  const world = await createWorld({
    certificates,
    clock: createLabClock({ realTimers: false }),
    timing,
    ...extra,
    onEvent: (event) => events.push(event),
    tap(hop, client, server, observe) {
      const conversation = `relay-${++counter}`;
      const record: RecordedHop = { hop, events: [], closed: false };
      hops.set(conversation, record);
      new LineTap({ client, server, ...certificates, ...tapUpstream(hop), onEvent: (event) => (record.events.push(event), observe(event)), onClose: () => (record.closed = true) });
      return { conversation };
    },
  });

  const store = new MessageStore();
  const queued = new Map<string, string>();
  const submission = createLabSmtpServer({
    certificates,
    store,
    onMessage(message) {
      queued.set(message.conversation, world.enqueue({ raw: message.raw, envelopeFrom: message.envelopeFrom, envelopeTo: message.recipients.map((r) => r.address), conversation: message.conversation, authenticated: message.authenticated }));
    },
  });
  const pairs = await LoopbackPairs.create();

  return {
    world,
    certificates,
    events,
    hops,
    async submit(mail) {
      const conversation = `submission-${++counter}`;
      const transport = nodemailer.createTransport({
        host: 'localhost',
        port: 25,
        name: 'learner-laptop.lab.test',
        tls: { ca: [certificates.caPem] },
        ...(mail.login ? { requireTLS: true, auth: { ...DEMO_CREDENTIALS } } : {}),
        getSocket(_options, callback) {
          pairs.pair().then(({ near, far }) => {
            submission.accept(far, { conversation, remoteAddress: '127.0.0.1', remotePort: near.localPort ?? 0 });
            callback(null, { connection: near });
          }, callback);
        },
      });
      try {
        const from = mail.from ?? 'learner@lab.test';
        await transport.sendMail(
          mail.raw !== undefined
            ? { envelope: { from, to: mail.to }, raw: mail.raw }
            : { from, to: mail.to, subject: mail.subject ?? 'Hello from the lab', text: mail.text ?? 'A test message.\n' },
        );
      } finally {
        transport.close();
      }
      const queueId = queued.get(conversation);
      if (!queueId) throw new Error('The submission server did not queue the message');
      await world.settled();
      return queueId;
    },
    eventsOf(type, queueId) {
      return events.filter((e): e is Extract<WorldEvent, { type: typeof type }> => e.type === type && (queueId === undefined || ('queueId' in e && e.queueId === queueId)));
    },
    hopsOf: (queueId) => hopsCarrying(queueId, events, hops),
    async close() {
      await world.close();
      await submission.close();
      await pairs.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** A message's share of the conversations that carried it, one per relay.hop event naming it. */
function hopsCarrying(queueId: string, events: readonly WorldEvent[], hops: ReadonlyMap<string, RecordedHop>): RecordedHop[] {
  const relayHops = events.filter((e): e is Extract<WorldEvent, { type: 'relay.hop' }> => e.type === 'relay.hop');
  return relayHops.flatMap((event) => {
    const record = event.queueId === queueId && event.conversation ? hops.get(event.conversation) : undefined;
    if (!record) return [];
    const first = event.reused?.transaction ?? 1;
    const starts = relayHops.filter((e) => e.conversation === event.conversation).map((e) => e.reused?.transaction ?? 1);
    const next = Math.min(...starts.filter((n) => n > first));
    const hop = { ...record.hop, queueId, attempt: event.attempt };
    return [{ ...record, hop, events: transactionSpan(record.events, first, Number.isFinite(next) ? next : undefined) }];
  });
}

/** Server reply lines of a recorded hop. */
export function serverLines(record: RecordedHop): string[] {
  return record.events.filter((e) => e.dir === 'server').map((e) => e.text);
}

export function clientLines(record: RecordedHop): string[] {
  return record.events.filter((e) => e.dir === 'client').map((e) => e.text);
}

/** A minimal line client for a socket from world.openHost: one reply per call, multi-line replies joined. */
export function lineClient(socket: import('node:net').Socket) {
  let buffer = '';
  const waiting: Array<(reply: string) => void> = [];
  const replies: string[] = [];
  let current: string[] = [];
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\r\n'); end !== -1; end = buffer.indexOf('\r\n')) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      current.push(line);
      if (line[3] === '-') continue;
      const reply = current.join('\n');
      current = [];
      const next = waiting.shift();
      if (next) next(reply);
      else replies.push(reply);
    }
  });
  const reply = () => new Promise<string>((resolve) => (replies.length ? resolve(replies.shift()!) : waiting.push(resolve)));
  return {
    reply,
    command(line: string) {
      socket.write(`${line}\r\n`);
      return reply();
    },
  };
}
