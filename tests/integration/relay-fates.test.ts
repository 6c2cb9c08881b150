/**
 * The relay client against a real smtp-server that refuses in ways the lab's own hosts do not: a
 * refused sender with the envelope pipelined behind it, and a refusal after the final dot, on
 * sessions that carry one message after another. Each recipient's fate must be what the recorded
 * replies say, transaction by transaction, never what nodemailer's results suggest.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateCertificates, type LabCertificates } from '../../bridge/lab/certificates';
import type { TapEvent } from '../../bridge/tap/line-tap';
import { LoopbackPairs } from '../../bridge/tap/loopback-pair';
import { relayToDomain, type RelayAttempt, type RecipientResult } from '../../bridge/world/relay-client';
import { RelaySessions } from '../../bridge/world/relay-sessions';
import type { MxAnswer } from '../../core/world/lab-dns';
import { closeServer, listenOnLoopback, tappedConnection } from './relay-host';

const BLOCKED_SENDER = 'blocked@lab.test';
const REFUSED_BODY = 'refuse me at the dot';
/** A sender the server closes on with 421 when it is not the first MAIL of a connection (an idle timeout). */
const CLOSING_SENDER = 'closing@lab.test';
/** Set by a test: the line to the host breaks the moment a client line it matches has gone out. */
let cutAfter: ((line: TapEvent, before: readonly TapEvent[]) => boolean) | null = null;

let stateDir: string;
let certificates: LabCertificates;
let pairs: LoopbackPairs;
let server: SMTPServer;
let port: number;
/** Each recorded conversation's events, by conversation id. */
const recorded = new Map<string, TapEvent[]>();
/** Every message body the server took (250 at the dot), in order. */
const taken: string[] = [];
/** Reused sessions that broke under a message: "conversation: why". */
const broken: string[] = [];

const refusal = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'relay-fates-'));
  certificates = await loadOrCreateCertificates(stateDir);
  pairs = await LoopbackPairs.create();
  server = new SMTPServer({
    name: 'mx.fates.test',
    disabledCommands: ['STARTTLS'],
    // AUTH is offered (in clear, on this loopback test server) only to be refused: no account works.
    authOptional: true,
    allowInsecureAuth: true,
    onAuth(_auth, _session, callback) {
      callback(refusal(535, '5.7.8 No such account here'));
    },
    disableReverseLookup: true,
    logger: false,
    onMailFrom(address, session, callback) {
      if (address.address === CLOSING_SENDER && session.transaction > 1) return callback(refusal(421, '4.4.2 Idle too long, closing'));
      callback(address.address === BLOCKED_SENDER ? refusal(550, '5.7.1 Sender blocked here') : undefined);
    },
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('nobody@')) return callback(refusal(550, '5.1.1 No such user here'));
      if (address.address.startsWith('later@')) return callback(refusal(451, '4.3.0 Try again later'));
      callback();
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const refused = Buffer.concat(chunks).includes(REFUSED_BODY);
        if (!refused) taken.push(Buffer.concat(chunks).toString());
        callback(refused ? refusal(554, '5.6.0 Refused after the final dot') : null, refused ? undefined : 'Ok: queued as FATE1');
      });
    },
  });
  // A connection cut under the server (the tests below do) is an 'error' of the server's: expected here.
  server.on('error', () => {});
  port = await listenOnLoopback(server);
});

afterAll(async () => {
  await closeServer(server);
  await pairs.close();
  await rm(stateDir, { recursive: true, force: true });
});

const answer: MxAnswer = { domain: 'fates.test', kind: 'mx', records: [], candidates: [{ exchange: 'mx.fates.test', preference: 10, address: '192.0.2.99' }] };

/** One message for fates.test through a recorded tap to the server; `pool` shares sessions. */
function relay(envelopeFrom: string, to: Array<string | { address: string; notify: string[] }>, body: string, pool?: RelaySessions, reused?: string[], login?: RelayAttempt['login']): Promise<RecipientResult[]> {
  const attempt: RelayAttempt = {
    ...(login ? { login } : {}),
    answer,
    recipients: to.map((r) => (typeof r === 'string' ? { address: r, notify: null, orcpt: null } : { ...r, orcpt: null })),
    envelopeFrom,
    raw: Buffer.from(`From: ${envelopeFrom}\r\nSubject: fates\r\n\r\n${body}\r\n`),
    dsn: { ret: null, envid: null },
    clientName: 'smtp.lab.test',
    caPem: certificates.caPem,
    async open(_candidate, observe) {
      const conversation = `hop-${recorded.size + 1}`;
      const events: TapEvent[] = [];
      recorded.set(conversation, events);
      const socket = await tappedConnection(pairs, port, certificates, (event, upstream) => {
        events.push(event);
        observe(event);
        if (event.dir === 'client' && cutAfter?.(event, events)) upstream.destroy();
      });
      return { socket, conversation };
    },
    onConnecting: () => {},
    onUnreachable: (_candidate, error) => {
      throw new Error(`unexpected: ${error}`);
    },
    ...(pool
      ? {
          sessions: {
            pool,
            key: () => 'mx.fates.test',
            lines: 10,
            onReused: (_c, conversation) => reused?.push(conversation ?? ''),
            onBroken: (_c, conversation, why) => broken.push(`${conversation ?? ''}: ${why}`),
          },
        }
      : {}),
  };
  return relayToDomain(attempt);
}

const fates = (results: RecipientResult[]) => Object.fromEntries(results.map((r) => [r.recipient, `${r.outcome} ${r.status}: ${r.response}`]));

describe("the relay reads each recipient's fate from the wire", () => {
  it('a refused sender decides for every recipient, not the 503s the server gives the RCPTs pipelined behind it', async () => {
    const results = await relay(BLOCKED_SENDER, ['ann@fates.test', 'bob@fates.test'], 'hello');
    expect(fates(results)).toEqual({
      'ann@fates.test': 'failed 5.7.1: 550 5.7.1 Sender blocked here',
      'bob@fates.test': 'failed 5.7.1: 550 5.7.1 Sender blocked here',
    });
    // The envelope was pipelined, and the server did answer each RCPT with a 503.
    const lines = [...recorded.values()].at(-1)!.filter((e) => e.dir === 'server').map((e) => e.text);
    expect(lines.filter((line) => line.startsWith('503 '))).toHaveLength(3);
  });

  it('keeps the transactions of a reused session apart: each message gets its own replies', async () => {
    const pool = new RelaySessions({ perHost: 1 });
    const reused: string[] = [];
    const before = recorded.size;
    // Three messages for one host with room for one session: the second and third ride on the first's.
    const [first, second, third] = await Promise.all([
      relay('learner@lab.test', ['ann@fates.test', 'nobody@fates.test', 'later@fates.test'], REFUSED_BODY, pool, reused),
      relay(BLOCKED_SENDER, ['bob@fates.test'], 'hello', pool, reused),
      relay('learner@lab.test', ['carol@fates.test', 'later@fates.test'], 'hello', pool, reused),
    ]);
    expect(recorded.size).toBe(before + 1);
    expect(reused).toEqual([`hop-${before + 1}`, `hop-${before + 1}`]);
    expect(fates(first!)).toEqual({
      'ann@fates.test': 'failed 5.6.0: 554 5.6.0 Refused after the final dot',
      'nobody@fates.test': 'failed 5.1.1: 550 5.1.1 No such user here',
      'later@fates.test': 'deferred 4.3.0: 451 4.3.0 Try again later',
    });
    expect(fates(second!)).toEqual({ 'bob@fates.test': 'failed 5.7.1: 550 5.7.1 Sender blocked here' });
    expect(fates(third!)).toEqual({
      'carol@fates.test': 'delivered 2.0.0: 250 Ok: queued as FATE1',
      'later@fates.test': 'deferred 4.3.0: 451 4.3.0 Try again later',
    });
    const client = recorded.get(`hop-${before + 1}`)!.filter((e) => e.dir === 'client').map((e) => e.text);
    expect(client.filter((line) => line.startsWith('MAIL FROM:'))).toHaveLength(3);
  });

  it('ends a transaction the server left open with RSET before the next, in one attempt', async () => {
    // Recipients that asked for different DSN notices go in transactions of their own, one after the other.
    const results = await relay('learner@lab.test', [{ address: 'nobody@fates.test', notify: ['NEVER'] }, 'carol@fates.test'], 'hello');
    expect(fates(results)).toEqual({
      'nobody@fates.test': 'failed 5.1.1: 550 5.1.1 No such user here',
      'carol@fates.test': 'delivered 2.0.0: 250 Ok: queued as FATE1',
    });
    const client = [...recorded.values()].at(-1)!.filter((e) => e.dir === 'client').map((e) => e.text);
    expect(client.filter((line) => /^(MAIL FROM|RSET)/.test(line)).map((line) => line.split(':')[0])).toEqual(['MAIL FROM', 'RSET', 'MAIL FROM']);
  });

  it("quotes the server's refusal of the relay's login, as recorded, and keeps the mail for later", async () => {
    const results = await relay('learner@lab.test', ['ann@fates.test'], 'hello', undefined, undefined, { user: 'relay', pass: 'not-a-password' });
    expect(fates(results)).toEqual({ 'ann@fates.test': "deferred 4.7.0: The smarthost refused the relay's login: 535 5.7.8 No such account here" });
    const client = [...recorded.values()].at(-1)!.filter((e) => e.dir === 'client').map((e) => e.text);
    expect(client.some((line) => line.startsWith('MAIL FROM:'))).toBe(false);
  });

  it('keeps its own words where no server answered', async () => {
    const attempt: RelayAttempt = {
      answer,
      recipients: [{ address: 'ann@fates.test', notify: null, orcpt: null }],
      envelopeFrom: 'learner@lab.test',
      raw: Buffer.from('Subject: x\r\n\r\nx\r\n'),
      dsn: { ret: null, envid: null },
      clientName: 'smtp.lab.test',
      caPem: certificates.caPem,
      // The server takes the connection and drops it before its greeting.
      async open() {
        const { near, far } = await pairs.pair();
        far.destroy();
        return { socket: near };
      },
      onConnecting: () => {},
      onUnreachable: () => {},
    };
    const [result] = await relayToDomain(attempt);
    expect(result).toMatchObject({ outcome: 'deferred', status: '4.4.2', host: 'mx.fates.test' });
    expect(result?.response).toMatch(/\(ECONNECTION\)$/);
  });
});

describe('a reused connection that breaks under a message', () => {
  /** Times the server took a message with `subject`. */
  const takenWith = (subject: string) => taken.filter((body) => body.includes(`\r\n\r\n${subject}\r\n`)).length;

  it('goes to a new connection when the host says 421 to its MAIL FROM, and the message is taken once', async () => {
    const pool = new RelaySessions({ idleMs: 60_000 });
    const reused: string[] = [];
    const before = recorded.size;
    expect(fates(await relay('learner@lab.test', ['ann@fates.test'], 'opens the connection', pool, reused))).toEqual({ 'ann@fates.test': 'delivered 2.0.0: 250 Ok: queued as FATE1' });
    // The connection is idle now; the next message rides on it, is told 421, and goes again on a new one.
    const results = await relay(CLOSING_SENDER, ['bob@fates.test'], 'after the 421', pool, reused);
    expect(fates(results)).toEqual({ 'bob@fates.test': 'delivered 2.0.0: 250 Ok: queued as FATE1' });
    expect(reused).toEqual([`hop-${before + 1}`]);
    expect(broken.at(-1)).toBe(`hop-${before + 1}: 421 4.4.2 Idle too long, closing`);
    expect(recorded.size).toBe(before + 2);
    expect(takenWith('after the 421')).toBe(1);
    pool.close();
  });

  it('goes to a new connection when the line breaks before the server answers its MAIL FROM, and the message is taken once', async () => {
    const pool = new RelaySessions({ idleMs: 60_000 });
    const before = recorded.size;
    await relay('learner@lab.test', ['ann@fates.test'], 'opens it again', pool);
    // Once the connection has carried a message, the line breaks as the next MAIL FROM goes out.
    cutAfter = (line, before) => line.text.startsWith('MAIL FROM:') && before.some((e) => e.text.startsWith('250 Ok'));
    const results = await relay('learner@lab.test', ['bob@fates.test'], 'after the break', pool).finally(() => (cutAfter = null));
    expect(fates(results)).toEqual({ 'bob@fates.test': 'delivered 2.0.0: 250 Ok: queued as FATE1' });
    expect(broken.at(-1)).toMatch(new RegExp(`^hop-${before + 1}: `));
    expect(recorded.size).toBe(before + 2);
    // The first connection shows the MAIL FROM that got no answer; the second carried the message.
    const first = recorded.get(`hop-${before + 1}`)!;
    const secondMail = first.findLastIndex((e) => e.dir === 'client' && e.text.startsWith('MAIL FROM:'));
    expect(first.filter((e) => e.dir === 'client' && e.text.startsWith('MAIL FROM:'))).toHaveLength(2);
    expect(first.slice(secondMail).some((e) => e.dir === 'server')).toBe(false);
    expect(takenWith('after the break')).toBe(1);
    pool.close();
  });

  it('is not sent again once the server had its MAIL FROM: a break later in the transaction is left to the queue, as before', async () => {
    const pool = new RelaySessions({ idleMs: 60_000 });
    const before = recorded.size;
    await relay('learner@lab.test', ['ann@fates.test'], 'one', pool);
    // On the reused connection the line breaks as the final dot goes out: the server may have taken it.
    cutAfter = (line, before) => line.text === '.' && before.some((e) => e.text.startsWith('250 Ok'));
    const results = await relay('learner@lab.test', ['bob@fates.test'], 'cut at the dot', pool).finally(() => (cutAfter = null));
    expect(results).toMatchObject([{ recipient: 'bob@fates.test', outcome: 'deferred', status: '4.4.2' }]);
    expect(recorded.size).toBe(before + 1);
    expect(takenWith('cut at the dot')).toBeLessThanOrEqual(1);
    pool.close();
  });
});

