/**
 * The relay client against a real smtp-server that refuses in ways the lab's own hosts do not: a
 * refused sender with the envelope pipelined behind it, and a refusal after the final dot, on
 * sessions that carry one message after another. Each recipient's fate must be what the recorded
 * replies say, transaction by transaction, never what nodemailer's results suggest.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateCertificates, type LabCertificates } from '../../bridge/lab/certificates';
import { LineTap, type TapEvent } from '../../bridge/tap/line-tap';
import { LoopbackPairs } from '../../bridge/tap/loopback-pair';
import { relayToDomain, type RelayAttempt, type RecipientResult } from '../../bridge/world/relay-client';
import { RelaySessions } from '../../bridge/world/relay-sessions';
import type { MxAnswer } from '../../core/world/lab-dns';

const BLOCKED_SENDER = 'blocked@lab.test';
const REFUSED_BODY = 'refuse me at the dot';

let stateDir: string;
let certificates: LabCertificates;
let pairs: LoopbackPairs;
let server: SMTPServer;
let port: number;
/** Each recorded conversation's events, by conversation id. */
const recorded = new Map<string, TapEvent[]>();

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
    onMailFrom(address, _session, callback) {
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
        callback(refused ? refusal(554, '5.6.0 Refused after the final dot') : null, refused ? undefined : 'Ok: queued as FATE1');
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
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
      const upstream = net.connect({ host: '127.0.0.1', port });
      await new Promise((resolve, reject) => upstream.once('connect', resolve).once('error', reject));
      const { near, far } = await pairs.pair();
      const conversation = `hop-${recorded.size + 1}`;
      const events: TapEvent[] = [];
      recorded.set(conversation, events);
      new LineTap({ client: far, server: upstream, ...certificates, onEvent: (event) => (events.push(event), observe(event)) });
      return { socket: near, conversation };
    },
    onConnecting: () => {},
    onUnreachable: (_candidate, error) => {
      throw new Error(`unexpected: ${error}`);
    },
    ...(pool ? { sessions: { pool, key: () => 'mx.fates.test', lines: 10, onReused: (_c, conversation) => reused?.push(conversation ?? '') } } : {}),
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
