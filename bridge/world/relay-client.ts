/**
 * One delivery attempt for the recipients at one domain: try the MX hosts in preference order
 * (RFC 5321 §5.1), speak SMTP with nodemailer to the first that answers, and read each
 * recipient's fate from the hop's recorded replies (core's transaction log). nodemailer only
 * speaks; what it reports is used only where no server answered (a refused connection, a TLS
 * failure, a timeout): then the relay's own words for that stand. A host that cannot be reached
 * sends the relay on to the next one.
 */
import type net from 'node:net';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { NodemailerError } from 'nodemailer/lib/errors';
import { AUTH_RESPONSE } from '../../core/machines/session-model';
import { recipientFate, replyLine, TransactionLog } from '../../core/machines/transaction-fates';
import type { TapEvent } from '../../core/wire';
import { statusOfReply } from '../../core/world/dsn';
import { clientContext } from '../tap/secure-contexts';
import { hasEightBitData } from '../lab/smtp-conduct';
import type { MxAnswer, MxCandidate } from '../../core/world/lab-dns';
import type { RecipientOutcome } from '../../core/world/world-events';
import type { AfterUse, Lease, RelaySessions, Session } from './relay-sessions';
import type { TlsSessions } from './tls-sessions';

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
 * or a port on 127.0.0.1 to dial (a host that is down: a socket nobody taps, so nothing is read there).
 */
export type HostTarget = { socket: net.Socket; conversation?: string | null } | { port: number };

export interface RelayAttempt {
  answer: MxAnswer;
  recipients: RelayRecipient[];
  envelopeFrom: string;
  /**
   * The message, or how to make it for the host it goes to (DKIM signing, a byte changed in transit):
   * made once a session is there for it, so mail
   * waiting for a session costs nothing yet, and costs nothing at all if the lab shuts down first.
   */
  raw: Buffer | ((candidate: MxCandidate) => Promise<Buffer>);
  dsn: { ret: string | null; envid: string | null };
  /** Our EHLO name. */
  clientName: string;
  /** The lab CA: the relay verifies the hosts' certificates after STARTTLS. */
  caPem: string;
  /** Connect to a host through a tap that hands every event it records to `observe`. */
  open(candidate: MxCandidate, observe: (event: TapEvent) => void): Promise<HostTarget>;
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
   * `onReused` reports that this message rides on an open session (its conversation, and the
   * number, from 1, its first transaction will have there); `onBroken` that the reused session
   * broke before the server took anything of this message, so it goes on a new connection.
   */
  sessions?: {
    pool: RelaySessions;
    key(candidate: MxCandidate): string | null;
    lines: number;
    onReused(candidate: MxCandidate, conversation: string | null, transaction: number): void;
    onBroken?(candidate: MxCandidate, conversation: string | null, why: string): void;
  };
  /** TLS sessions to resume on the next connection to a host (absent: a full handshake every time). */
  tlsSessions?: TlsSessions;
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
    const refused = attempt.login ? await login(lease, attempt.login) : null;
    if (refused) {
      lease.release('close');
      // A refused login is the relay's own configuration problem: keep the mail and retry later.
      const response = `The smarthost refused the relay's login: ${refused}`;
      return attempt.recipients.map((r) => ({ recipient: r.address, outcome: 'deferred', response, status: '4.7.0', host: candidate.exchange }));
    }
    const carried = await carry(lease, attempt, candidate);
    if (!carried.broken) return carried.results;
    // The reused session broke before the server took anything of this message (the line broke
    // under its MAIL FROM, or the host said 421 to it, as one that timed the idle connection out
    // does): nothing was delivered, so it goes again at once, on a new connection.
    attempt.sessions?.onBroken?.(candidate, lease.conversation, carried.broken);
    try {
      lease = await leaseSession(attempt, candidate, true);
    } catch (error) {
      attempt.onUnreachable(candidate, describe(error));
      continue;
    }
    return (await carry(lease, attempt, candidate)).results;
  }
  // Nobody answered: a temporary condition (RFC 3463 4.4.1), the queue retries later.
  // Under a demand for TLS a host may well have answered, without the TLS the relay needs.
  const response = attempt.requireTls ? `No mail host for ${attempt.answer.domain} could be reached over TLS, which the relay requires` : `No answer from any mail host for ${attempt.answer.domain}`;
  return attempt.recipients.map((r) => ({ recipient: r.address, outcome: 'deferred', response, status: '4.4.1', host: null }));
}

/**
 * The message's transactions on `lease` (one per DSN group), then the lease handed back. `broken`
 * (why) when the lease was a reused session that broke before the server answered its first MAIL
 * with anything but 421: the server took nothing, and the results are not the message's fate.
 */
async function carry(lease: Lease, attempt: RelayAttempt, candidate: MxCandidate): Promise<{ results: RecipientResult[]; broken: string | null }> {
  let after: AfterUse = 'next';
  try {
    const results: RecipientResult[] = [];
    const raw = typeof attempt.raw === 'function' ? await attempt.raw(candidate) : attempt.raw;
    for (const group of groupByDsn(attempt.recipients)) {
      // A group after one the server left open starts with RSET; after a broken one, it waits for a retry.
      if (after === 'reset') after = (await reset(lease.connection)) ? 'next' : 'close';
      if (after === 'close') {
        results.push(...group.map((r) => ownWords(r.address, 'The session ended before this transaction could start', candidate.exchange)));
        continue;
      }
      const first = results.length === 0;
      const sent = await transaction(lease, attempt, raw, group, candidate.exchange);
      after = afterUse(lease);
      if (first && lease.reused && sent.untouched) {
        after = 'close';
        return { results: sent.results, broken: sent.results[0]?.response ?? 'The session ended' };
      }
      results.push(...sent.results);
    }
    return { results, broken: null };
  } finally {
    lease.release(after);
  }
}

/**
 * A session of the attempt's own, or one from the shared pool (maybe opened earlier for another
 * message); `fresh`: a new connection, not an idle one.
 */
async function leaseSession(attempt: RelayAttempt, candidate: MxCandidate, fresh = false): Promise<Lease> {
  const open = async (): Promise<Session> => {
    // One log per session: a reused session's transactions are read one after the other.
    const wire = new TransactionLog();
    const target = await attempt.open(candidate, (event) => wire.push(event));
    const connection = await connect(attempt, target, candidate.exchange);
    let ended = false;
    connection.once('end', () => (ended = true));
    return { connection, conversation: 'socket' in target ? (target.conversation ?? null) : null, wire, ended: () => ended };
  };
  const key = attempt.sessions?.key(candidate) ?? null;
  if (!attempt.sessions || key === null) {
    const own = await open();
    return { ...own, reused: false, release: () => own.connection.quit() };
  }
  const lease = await attempt.sessions.pool.lease(key, attempt.sessions.lines, open, { fresh });
  if (lease.reused) attempt.sessions.onReused(candidate, lease.conversation, lease.wire.started + 1);
  return lease;
}

/**
 * What the session needs before the next transaction, as the wire tells: nothing after a message
 * the server answered, RSET while it still holds a refused envelope open, and an end when it
 * closed, a command went unanswered, or the connection ended under nodemailer.
 */
function afterUse(session: Session): AfterUse {
  const readiness = session.ended() ? 'unusable' : session.wire.readiness;
  return readiness === 'unusable' ? 'close' : readiness === 'reset' ? 'reset' : 'next';
}

function reset(connection: SMTPConnection): Promise<boolean> {
  return new Promise((resolve) => connection.reset((error) => resolve(!error)));
}

/** A recipient no reply decided: deferred with the relay's own words, so the queue tries again. */
function ownWords(recipient: string, response: string, host: string): RecipientResult {
  return { recipient, outcome: 'deferred', response, status: '4.4.2', host };
}

function connect(attempt: RelayAttempt, target: HostTarget, host: string): Promise<SMTPConnection> {
  const timeouts = attempt.timeouts ?? DEFAULT_RELAY_TIMEOUTS;
  const tlsSession = attempt.tlsSessions?.take(host);
  const connection = new SMTPConnection({
    ...('socket' in target ? { connection: target.socket } : { host: '127.0.0.1', port: target.port }),
    name: attempt.clientName,
    secure: attempt.secure ?? false,
    requireTLS: attempt.requireTls ?? false,
    // The lab's hosts present the lab certificate (named localhost); the relay checks it against the lab CA.
    // A session the host gave the relay before resumes here: no certificate sent or checked again.
    tls: { secureContext: clientContext(attempt.caPem), servername: 'localhost', ...(tlsSession ? { session: tlsSession } : {}) },
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
      attempt.tlsSessions?.watch(host, connection);
      // Later socket errors reach the send callback; this only keeps them from being unhandled.
      connection.on('error', () => {});
      resolve(connection);
    });
  });
}

/** AUTH with the smarthost's account; resolves with the server's refusal (one line), or null. */
function login(session: Session, account: { user: string; pass: string }): Promise<string | null> {
  return new Promise((resolve) => {
    session.connection.login({ user: account.user, pass: account.pass }, (error) => {
      if (!error) return resolve(null);
      // Only the server's reply, as recorded: nodemailer's own message may quote the user name.
      const answer = session.wire.lastAnswer;
      const toAuth = answer && (answer.verb === 'AUTH' || answer.verb === AUTH_RESPONSE) && answer.reply.code >= 400;
      resolve(toAuth ? replyLine(answer.reply) : 'the connection failed during AUTH');
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

/**
 * One transaction for `group`. Each recipient's fate is what the recorded replies decided; only a
 * recipient no reply decided (the connection failed first) gets the relay's own words, deferred.
 */
function transaction(session: Session, attempt: RelayAttempt, raw: Buffer, group: RelayRecipient[], host: string): Promise<{ results: RecipientResult[]; untouched: boolean }> {
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
  // The transaction this send will be on the wire: the next one the session's log begins.
  const number = session.wire.started;
  return new Promise((resolve) => {
    // The tap records each reply in the turn it forwards it, before nodemailer can read it: by now
    // the log holds every reply nodemailer read.
    session.connection.send(envelope, raw, (error) => {
      const onWire = session.wire.transaction(number);
      const why = error ? describe(error) : 'The connection ended before the server answered';
      const results = group.map((r): RecipientResult => {
        const fate = onWire ? recipientFate(onWire, r.address) : null;
        if (!fate) return ownWords(r.address, why, host);
        const response = replyLine(fate.reply);
        return { recipient: r.address, outcome: fate.outcome, response, status: statusOfReply(fate.reply.code, fate.reply.text), host };
      });
      // The server never took the envelope: no reply to MAIL at all, or the 421 of a server closing.
      resolve({ results, untouched: !onWire || onWire.mail.code === 421 });
    });
  });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodemailerError).originalCode ?? (error as NodemailerError).code;
  return code ? `${error.message} (${code})` : error.message;
}
