/**
 * One delivery attempt for the recipients at one domain: try the MX hosts in preference order
 * (RFC 5321 §5.1), speak SMTP with nodemailer to the first that answers, and turn its replies into
 * one result per recipient. A host that cannot be reached sends the relay on to the next one.
 */
import type net from 'node:net';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { NodemailerError } from 'nodemailer/lib/errors';
import { oneLineReply, statusOfReply } from '../../core/world/dsn';
import { clientContext } from '../tap/secure-contexts';
import { hasEightBitData } from '../lab/smtp-conduct';
import type { MxAnswer, MxCandidate } from '../../core/world/lab-dns';
import type { RecipientOutcome } from '../../core/world/world-events';
import type { AfterUse, Lease, RelaySessions, Session } from './relay-sessions';

export interface RelayRecipient {
  address: string;
  /** NOTIFY values (upper case) the submission client asked for, or null for the default. */
  notify: string[] | null;
  /** ORCPT as given, e.g. "rfc822;bob@example.test". */
  orcpt: string | null;
}

export interface RecipientResult {
  recipient: string;
  outcome: Extract<RecipientOutcome, 'delivered' | 'deferred' | 'failed'>;
  /** The deciding reply on one line, or the relay's own words when no server answered. */
  response: string;
  status: string;
  /** The host that answered, null when none did. */
  host: string | null;
}

/**
 * How to reach a host: an already connected (tapped) socket, with the conversation recording it,
 * or a port on 127.0.0.1 to dial.
 */
export type HostTarget = { socket: net.Socket; conversation?: string | null } | { port: number };

export interface RelayAttempt {
  answer: MxAnswer;
  recipients: RelayRecipient[];
  envelopeFrom: string;
  /**
   * The message, or how to make it (DKIM signing): made once a session is there for it, so mail
   * waiting for a session costs nothing yet, and costs nothing at all if the lab shuts down first.
   */
  raw: Buffer | (() => Promise<Buffer>);
  dsn: { ret: string | null; envid: string | null };
  /** Our EHLO name. */
  clientName: string;
  /** The lab CA: the relay verifies the hosts' certificates after STARTTLS. */
  caPem: string;
  open(candidate: MxCandidate): Promise<HostTarget>;
  onConnecting(candidate: MxCandidate): void;
  onUnreachable(candidate: MxCandidate, error: string): void;
  timeouts?: { connectionMs: number; socketMs: number };
  /** A smarthost's account: AUTH after EHLO (and STARTTLS). Never put into a result or a log. */
  login?: { user: string; pass: string };
  /** TLS from the first byte (smtps://). */
  secure?: boolean;
  /** Refuse to go on without STARTTLS, so a real password never crosses a network in clear. */
  requireTls?: boolean;
  /**
   * Sessions shared with other queued messages (absent: one session per attempt). `key` names the
   * destination a session may be shared for, or null for a hop that must be a session of its own;
   * `onReused` reports that this message rides on an open session (its conversation).
   */
  sessions?: { pool: RelaySessions; key(candidate: MxCandidate): string | null; lines: number; onReused(candidate: MxCandidate, conversation: string | null): void };
}

/** Timeouts long enough for a learner stepping through the hop. */
export const DEFAULT_RELAY_TIMEOUTS = { connectionMs: 10 * 60_000, socketMs: 10 * 60_000 };

export async function relayToDomain(attempt: RelayAttempt): Promise<RecipientResult[]> {
  for (const candidate of attempt.answer.candidates) {
    attempt.onConnecting(candidate);
    if (!candidate.address) {
      attempt.onUnreachable(candidate, `${candidate.exchange} has no address`);
      continue;
    }
    let lease: Lease;
    try {
      lease = await leaseSession(attempt, candidate);
    } catch (error) {
      attempt.onUnreachable(candidate, describe(error));
      continue;
    }
    const { connection } = lease;
    const refused = attempt.login ? await login(connection, attempt.login) : null;
    if (refused) {
      lease.release('close');
      // A refused login is the relay's own configuration problem: keep the mail and retry later.
      const response = `The smarthost refused the relay's login: ${refused}`;
      return attempt.recipients.map((r) => ({ recipient: r.address, outcome: 'deferred', response, status: '4.7.0', host: candidate.exchange }));
    }
    let after: AfterUse = 'next';
    try {
      const results: RecipientResult[] = [];
      const raw = typeof attempt.raw === 'function' ? await attempt.raw() : attempt.raw;
      for (const group of groupByDsn(attempt.recipients)) {
        const done = await transaction(connection, attempt, raw, group, candidate.exchange);
        results.push(...done.results);
        if (done.error && after !== 'close') after = afterRefusal(connection, done.error);
      }
      return results;
    } finally {
      lease.release(after);
    }
  }
  // Nobody answered: a temporary condition (RFC 3463 4.4.1), the queue retries later.
  const response = `No answer from any mail host for ${attempt.answer.domain}`;
  return attempt.recipients.map((r) => ({ recipient: r.address, outcome: 'deferred', response, status: '4.4.1', host: null }));
}

/** A session of the attempt's own, or one from the shared pool (maybe opened earlier for another message). */
async function leaseSession(attempt: RelayAttempt, candidate: MxCandidate): Promise<Lease> {
  const open = async (): Promise<Session> => {
    const target = await attempt.open(candidate);
    return { connection: await connect(attempt, target), conversation: 'socket' in target ? (target.conversation ?? null) : null };
  };
  const key = attempt.sessions?.key(candidate) ?? null;
  if (!attempt.sessions || key === null) {
    const own = await open();
    return { ...own, reused: false, release: () => own.connection.quit() };
  }
  const lease = await attempt.sessions.pool.lease(key, attempt.sessions.lines, open);
  if (lease.reused) attempt.sessions.onReused(candidate, lease.conversation);
  return lease;
}

/** A refused envelope or message leaves the session usable after RSET (nodemailer's pool does the same); anything else ends it. */
function afterRefusal(connection: SMTPConnection, error: NodemailerError): AfterUse {
  const broken = (connection as unknown as { _destroyed?: boolean })._destroyed;
  return (error.code === 'EENVELOPE' || error.code === 'EMESSAGE') && error.responseCode !== 421 && !broken ? 'reset' : 'close';
}

function connect(attempt: RelayAttempt, target: HostTarget): Promise<SMTPConnection> {
  const timeouts = attempt.timeouts ?? DEFAULT_RELAY_TIMEOUTS;
  const connection = new SMTPConnection({
    ...('socket' in target ? { connection: target.socket } : { host: '127.0.0.1', port: target.port }),
    name: attempt.clientName,
    secure: attempt.secure ?? false,
    requireTLS: attempt.requireTls ?? false,
    // The lab's hosts present the lab certificate (named localhost); the relay checks it against the lab CA.
    tls: { secureContext: clientContext(attempt.caPem), servername: 'localhost' },
    connectionTimeout: timeouts.connectionMs,
    greetingTimeout: timeouts.connectionMs,
    socketTimeout: timeouts.socketMs,
    logger: false,
  });
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      connection.close();
      reject(error);
    };
    connection.once('error', fail);
    connection.connect(() => {
      connection.off('error', fail);
      // Later socket errors reach the send callback; this only keeps them from being unhandled.
      connection.on('error', () => {});
      resolve(connection);
    });
  });
}

/** AUTH with the smarthost's account; resolves with the server's refusal (one line), or null. */
function login(connection: SMTPConnection, account: { user: string; pass: string }): Promise<string | null> {
  return new Promise((resolve) => {
    connection.login({ user: account.user, pass: account.pass }, (error) => {
      // Only the server's reply: nodemailer's own message may quote the user name.
      resolve(error ? (error.response ? oneLineReply(error.response) : 'the connection failed during AUTH') : null);
    });
  });
}

/** nodemailer sends one set of DSN parameters per transaction, so recipients that differ go in separate ones. */
function groupByDsn(recipients: RelayRecipient[]): RelayRecipient[][] {
  const groups = new Map<string, RelayRecipient[]>();
  for (const r of recipients) {
    const key = `${(r.notify ?? []).join(',')}|${r.orcpt ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()];
}

function transaction(connection: SMTPConnection, attempt: RelayAttempt, raw: Buffer, group: RelayRecipient[], host: string): Promise<{ results: RecipientResult[]; error: NodemailerError | null }> {
  const first = group[0];
  const dsn = {
    ...(attempt.dsn.ret ? { ret: attempt.dsn.ret } : {}),
    ...(attempt.dsn.envid ? { envid: attempt.dsn.envid } : {}),
    ...(first?.notify ? { notify: first.notify } : {}),
    ...(first?.orcpt ? { orcpt: first.orcpt } : {}),
  };
  const envelope = {
    from: attempt.envelopeFrom === '' ? (false as const) : attempt.envelopeFrom,
    to: group.map((r) => r.address),
    // No SIZE=: nodemailer would refuse an oversized message itself, and the learner should see
    // the receiving server's own 552 5.3.4 on the wire instead.
    ...(Object.keys(dsn).length ? { dsn } : {}),
    // nodemailer declares BODY=8BITMIME only when told: a host may refuse undeclared 8-bit data (RFC 6152).
    use8BitMime: hasEightBitData(raw),
  };
  return new Promise((resolve) => {
    connection.send(envelope, raw, (error, info) => {
      const rejected = new Map<string, NodemailerError>();
      // nodemailer drops the RCPT refusals from a failed DATA's error; its envelope still has them.
      const pending = (connection as unknown as { _envelope?: { rejectedErrors?: NodemailerError[] } })._envelope;
      for (const e of [...(info?.rejectedErrors ?? []), ...(error?.rejectedErrors ?? []), ...(pending?.rejectedErrors ?? [])]) {
        if (e.recipient) rejected.set(e.recipient, e);
      }
      const results = group.map((r) => {
        const refusal = rejected.get(r.address);
        if (refusal) return fromReply(r.address, refusal.response, host);
        if (error) return fromReply(r.address, error.response ?? null, host, describe(error));
        return fromReply(r.address, info?.response ?? '250 Ok', host);
      });
      resolve({ results, error: error ?? null });
    });
  });
}

function fromReply(recipient: string, reply: string | null | undefined, host: string, fallback = 'The connection failed'): RecipientResult {
  if (!reply) return { recipient, outcome: 'deferred', response: fallback, status: '4.4.2', host };
  const line = oneLineReply(reply);
  const code = Number(line.slice(0, 3));
  const outcome = code >= 200 && code < 300 ? 'delivered' : code >= 500 ? 'failed' : 'deferred';
  return { recipient, outcome, response: line, status: statusOfReply(code, line.slice(4)), host };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodemailerError).originalCode ?? (error as NodemailerError).code;
  return code ? `${error.message} (${code})` : error.message;
}
