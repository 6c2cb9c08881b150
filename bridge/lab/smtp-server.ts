/**
 * The lab's SMTP servers: real smtp-server instances that never listen on a port of their own. The
 * lab accepts sockets (outside clients, the terminal, the compose client) and hands each one over
 * with `accept`, so one instance serves every conversation of its role. The roles a mail provider
 * has: the welcoming port-25 server (no AUTH needed), lab.test's MX (mail for lab.test from anyone,
 * relaying only after AUTH), submission (port 587: STARTTLS before AUTH, AUTH before MAIL) and
 * implicit TLS (port 465: TLS from the first byte, AUTH before MAIL). Limits are named options because learners trip them on purpose; each has a test.
 */
import type net from 'node:net';
import tls from 'node:tls';
import type { SMTPServerSession } from 'smtp-server';
import { SharedContextSMTPServer } from '../tap/shared-context-server';
import type { LabAccount } from '../../core/smtp/credential-filter';
import type { MessageSummary } from '../../core/wire';
import type { LabCertificates } from './certificates';
import { readMessage } from './read-message';
import { receivedHeader } from './received-header';
import { useOwnEnhancedCodes } from './own-enhanced-codes';
import { dataRefusal, envelopeRefusal, labReplyError, useRfcConduct } from './smtp-conduct';
import { MessageStore, type Envelope } from './message-store';
import { serverContext } from '../tap/secure-contexts';
import { REPLIES, routesThroughLocalPart } from '../../core/world/recipient-policy';

export interface ServerLimits {
  /** Advertised SIZE and the largest message accepted (bytes). */
  maxMessageSize: number;
  /** Recipients per message; the next RCPT gets 452. */
  maxRecipients: number;
  /** Longest command line; a longer one gets 421 and the connection ends (smtp-server's rule). */
  maxCommandLength: number;
  /** Unrecognised commands (500s) before the server says 421 and hangs up. smtp-server's own is 10. */
  maxUnrecognizedCommands: number;
  /** Idle time before the server says 421 and hangs up; learners type slowly. */
  socketTimeoutMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxMessageSize: 10 * 1024 * 1024,
  maxRecipients: 100,
  maxCommandLength: 16 * 1024,
  maxUnrecognizedCommands: 50,
  socketTimeoutMs: 10 * 60_000,
};

/** The lab's demo account, shown in the UI on purpose. */
export const DEMO_CREDENTIALS = { user: 'learner', pass: 'learner' } as const;

export const SERVER_NAME = 'smtp.lab.test';

/**
 * welcoming = the lab's open door on port 25 (takes anything, for any app); mx = lab.test's MX as
 * the world sees it (mail for lab.test from anyone, relaying only after AUTH); submission = 587;
 * smtps = 465 (implicit TLS).
 */
export type ServerRole = 'welcoming' | 'mx' | 'submission' | 'smtps';

const AUTH_REQUIRED: Record<ServerRole, boolean> = { welcoming: false, mx: false, submission: true, smtps: true };
/** The domain the lab's own server is the destination for. */
const LOCAL_DOMAIN = 'lab.test';

/** What the server took: its id in the store, the envelope, the source as stored and the DSN parameters (RFC 3461). */
export interface AcceptedMessage {
  id: string;
  conversation: string;
  envelopeFrom: string;
  raw: Buffer;
  recipients: Array<{ address: string; notify: string[] | null; orcpt: string | null }>;
  dsn: { ret: string | null; envid: string | null };
  /** The session had logged in (smtp-server's own AUTH state): only such mail may leave through a smarthost. */
  authenticated: boolean;
}

export interface LabSmtpServerOptions {
  role?: ServerRole;
  certificates: LabCertificates;
  store: MessageStore;
  limits?: Partial<ServerLimits>;
  /** Who may AUTH (default: the demo account). */
  accounts?: readonly LabAccount[];
  banner?: string;
  /**
   * Commands allowed before AUTH; past them smtp-server answers 421 and hangs up. Default: no
   * limit. smtp-server counts only while AUTH is on offer, so with a limit AUTH is listed before
   * TLS too (and answered 538 there) instead of appearing with it.
   */
  maxUnauthenticatedCommands?: number;
  /** Called after the 250: the mail is the server's to pass on now (the store has it). */
  onMessage(accepted: AcceptedMessage): void;
  /** Why no new mail can be taken now (the relay queue is full), or null: MAIL FROM gets 452 4.3.1. */
  busy?(): string | null;
  /**
   * A server shared by many labs (hosted mode) learns the lab of a session at AUTH: `authenticate`
   * names it (null: refused), `target` gives its store and conversation (undefined: the lab closed).
   */
  route?: SessionRoute;
  log?(message: string): void;
}

export interface SessionTarget {
  store: MessageStore;
  conversation: string;
  onMessage(accepted: AcceptedMessage): void;
  busy?(): string | null;
}

export interface SessionRoute {
  authenticate(user: string, pass: string, session: string): { user: string } | { refused: string; code: number } | null;
  target(session: string): SessionTarget | undefined;
  /** Why a new connection is not served (the server answers 421 instead of its greeting), or null. */
  admit?(session: string): string | null;
}

export interface Peer {
  /** Becomes the smtp-server session id, so stored messages know their conversation. */
  conversation: string;
  remoteAddress: string;
  remotePort: number;
}

export interface LabSmtpServer {
  readonly limits: ServerLimits;
  /** Serve an already connected socket as if it had come in on a listener. */
  accept(socket: net.Socket, peer: Peer): void;
  /** The server says 421 with this text and closes the session; false if it has no such session (yet). */
  hangUp(conversation: string, text: string): boolean;
  close(): Promise<void>;
}

export function createLabSmtpServer(options: LabSmtpServerOptions): LabSmtpServer {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const log = options.log ?? (() => {});
  const { certificates } = options;
  const accounts = options.accounts ?? [DEMO_CREDENTIALS];
  const ownTarget = (session: string): SessionTarget => ({ store: options.store, conversation: session, onMessage: options.onMessage, ...(options.busy ? { busy: options.busy } : {}) });
  const targetOf = (session: string) => (options.route ? options.route.target(session) : ownTarget(session));
  const role = options.role ?? 'welcoming';
  const implicitTls = role === 'smtps';
  const secureContext = implicitTls ? serverContext(certificates.certPem, certificates.keyPem) : null;

  const server = new SharedContextSMTPServer({
    name: SERVER_NAME,
    banner: options.banner ?? 'SMTP Lab says hello. Try EHLO.',
    key: certificates.keyPem,
    cert: certificates.certPem,
    disableReverseLookup: true,
    authMethods: ['PLAIN', 'LOGIN'],
    // The welcoming server takes mail without AUTH; the submission roles answer MAIL before AUTH
    // with 530 5.7.0. AUTH itself always needs TLS (538 otherwise).
    authOptional: !AUTH_REQUIRED[role],
    allowInsecureAuth: false,
    // Implicit TLS: connections arrive already wrapped (see accept), smtp-server only has to know.
    secure: implicitTls,
    // smtp-server hides ENHANCEDSTATUSCODES by default; the lab teaches them, so it shows them.
    hideENHANCEDSTATUSCODES: false,
    // The submission roles take NOTIFY, RET, ENVID and ORCPT (RFC 3461) and hand them to the relay,
    // as a provider's submission server does; port 25 stays as plain as a learner expects it.
    hideDSN: !AUTH_REQUIRED[role],
    size: limits.maxMessageSize,
    // smtp-server answers an oversized message with 552 5.3.4 itself; onData still drops it.
    rejectOversized: true,
    maxRecipients: limits.maxRecipients,
    maxCommandLength: limits.maxCommandLength,
    maxAllowedUnauthenticatedCommands: options.maxUnauthenticatedCommands ?? false,
    socketTimeout: limits.socketTimeoutMs,
    logger: false,
    // smtp-server 3.21 lists AUTH in EHLO even before TLS (and answers it with 538). Like Postfix's
    // smtpd_tls_auth_only, the lab offers AUTH only inside TLS: disabled per session until onSecure.
    onConnect(session, callback) {
      const refused = options.route?.admit?.(session.id);
      if (refused) {
        callback(replyError(421, refused));
        return;
      }
      if (!session.secure && options.maxUnauthenticatedCommands === undefined) session.disabledCommands = ['AUTH'];
      callback();
    },
    onSecure(_socket, session, callback) {
      session.disabledCommands = [];
      callback();
    },
    // smtp-server insists on AUTH only while AUTH is on offer, and before TLS it is not (above):
    // the submission roles insist here, so MAIL before AUTH gets 530 with or without TLS.
    onMailFrom(address, session, callback) {
      if (AUTH_REQUIRED[role] && !session.user) {
        callback(replyError(530, 'Authentication required'));
        return;
      }
      const refusal = envelopeRefusal('MAIL', address, session, { dsn: AUTH_REQUIRED[role], auth: true });
      if (refusal) {
        callback(labReplyError(refusal));
        return;
      }
      // A full queue is a temporary condition (RFC 5321 §4.5.3.1.10): the client tries again later.
      const busy = targetOf(session.id)?.busy?.();
      if (busy) {
        callback(replyError(452, `4.3.1 ${busy}`));
        return;
      }
      callback();
    },
    // The MX role takes mail for its own domain from anyone, but carries it further only for its
    // own users: an open relay would carry anyone's spam (RFC 5321 §3.6.2, §7.1).
    onRcptTo(address, session, callback) {
      const refusal = envelopeRefusal('RCPT', address, session, { dsn: AUTH_REQUIRED[role], auth: true });
      if (refusal) {
        callback(labReplyError(refusal));
        return;
      }
      const domain = address.address.slice(address.address.lastIndexOf('@') + 1).toLowerCase();
      if (role === 'mx' && !session.user && domain !== LOCAL_DOMAIN) {
        callback(replyError(554, '5.7.1 Relay access denied: authenticate to send beyond lab.test'));
        return;
      }
      // user%host@lab.test is a relay in disguise: the same refusal for a stranger (RFC 5321 §3.6.1).
      if (role === 'mx' && !session.user && routesThroughLocalPart(address.address)) {
        callback(labReplyError(REPLIES.routedLocalPart));
        return;
      }
      callback();
    },
    onAuth(auth, session, callback) {
      const username = auth.username ?? '';
      const password = auth.password ?? '';
      if (options.route) {
        const verdict = options.route.authenticate(username, password, session.id);
        if (verdict && 'user' in verdict) callback(null, verdict);
        else if (verdict) callback(replyError(verdict.code, verdict.refused));
        else callback(replyError(535, '5.7.8 Authentication credentials invalid'));
        return;
      }
      if (accounts.some((account) => account.user === username && account.pass === password)) {
        callback(null, { user: username });
        return;
      }
      callback(replyError(535, 'Authentication credentials invalid'));
    },
    onData(stream, session, callback) {
      readMessage(stream)
        .then(async (raw) => {
          if (stream.sizeExceeded) {
            callback(replyError(552, 'Message exceeds fixed maximum message size'));
            return;
          }
          const refusal = dataRefusal(raw, session);
          if (refusal) {
            callback(labReplyError(refusal));
            return;
          }
          const target = targetOf(session.id);
          if (!target) {
            callback(replyError(421, '4.3.2 This lab has closed; reconnect to start a new one'));
            return;
          }
          const id = MessageStore.newId();
          const trace = receivedHeader({
            helo: session.hostNameAppearsAs || session.clientHostname,
            remoteAddress: session.remoteAddress,
            by: SERVER_NAME,
            protocol: session.transmissionType,
            id,
            recipient: session.envelope.rcptTo.length === 1 ? (session.envelope.rcptTo[0]?.address ?? null) : null,
            tls: session.secure && session.tlsOptions ? { protocol: session.tlsOptions.version ?? 'TLS', cipher: session.tlsOptions.name } : null,
            date: new Date(),
          });
          const stored = Buffer.concat([Buffer.from(trace), raw]);
          const envelope = envelopeOf(session, target.conversation);
          // Read before the callback: smtp-server resets the envelope for the next transaction.
          const accepted = acceptedOf(id, envelope, stored, session);
          // Committed to the lab database (if it keeps one) before the 250; a failed commit gets 451.
          await target.store.add(id, stored, envelope, accepted);
          callback(null, `Ok: queued as ${id}`);
          try {
            target.onMessage(accepted);
          } catch (error) {
            // The 250 is out and the message is kept: a second reply would answer the client's next command.
            log(`smtp-server: message ${id} is stored but was not passed on: ${String(error)}`);
          }
        })
        .catch((error: unknown) => {
          log(`smtp-server: message not stored: ${String(error)}`);
          callback(replyError(451, 'Message could not be stored, try again'));
        });
    },
  });
  // Connection errors are reported per conversation by the tap; here they must only not crash us.
  server.on('error', (error) => log(`smtp-server: ${error.message}`));

  return {
    limits,
    accept(socket, peer) {
      if (secureContext) {
        acceptSecure(socket, peer);
        return;
      }
      connect(socket, peer);
    },
    hangUp(conversation, text) {
      const connection = [...server.connections].find((c) => c.id === conversation);
      // smtp-server's own reply path: a 421 is written (unless TLS is mid-handshake) and the session closed.
      connection?.send(421, text);
      return connection !== undefined;
    },
    close() {
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };

  /**
   * smtp-server does the implicit-TLS handshake only for sockets its own listener accepted; a
   * socket handed to connect() must already be TLS. Same certificate, same result for the client.
   */
  function acceptSecure(socket: net.Socket, peer: Peer): void {
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: secureContext ?? undefined });
    const fail = (error: Error) => {
      log(`smtp-server: TLS handshake with ${peer.conversation} failed: ${error.message}`);
      secure.destroy();
      socket.destroy();
    };
    secure.once('error', fail);
    secure.once('secure', () => {
      secure.off('error', fail);
      connect(secure, peer);
    });
  }

  function connect(socket: net.Socket, peer: Peer): void {
    const before = new Set(server.connections);
    server.connect(socket, { id: peer.conversation, remoteAddress: peer.remoteAddress, remotePort: peer.remotePort });
    for (const connection of server.connections) {
      if (before.has(connection)) continue;
      raiseUnrecognizedLimit(connection, limits.maxUnrecognizedCommands);
      useOwnEnhancedCodes(connection);
      useRfcConduct(connection, { authAfterTls: true, tls: true });
    }
  }
}

/** smtp-server turns an error's `responseCode` into the reply code. */
function replyError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

function envelopeOf(session: SMTPServerSession, conversation: string) {
  const { mailFrom, rcptTo } = session.envelope;
  return {
    conversation,
    from: mailFrom ? mailFrom.address : '',
    to: rcptTo.map((rcpt) => rcpt.address),
  };
}

function acceptedOf(id: string, envelope: Envelope, raw: Buffer, session: SMTPServerSession): AcceptedMessage {
  const { rcptTo, dsn } = session.envelope;
  return {
    id,
    conversation: envelope.conversation,
    envelopeFrom: envelope.from,
    raw,
    recipients: rcptTo.map((rcpt) => ({ address: rcpt.address, notify: rcpt.dsn?.notify ?? null, orcpt: rcpt.dsn?.orcpt ?? null })),
    dsn: { ret: dsn?.ret ?? null, envid: dsn?.envid ?? null },
    authenticated: Boolean(session.user),
  };
}


/**
 * smtp-server hangs up after 10 unrecognised commands, a constant with no option. Learners
 * mistype more than that, so the counter is replaced with one that reports "10" (the hang-up
 * value) only after `limit` unrecognised commands. It counts up by one per mistake and the server
 * resets it to 0 after each accepted message, which this keeps.
 */
function raiseUnrecognizedLimit(connection: object, limit: number): void {
  const SERVER_HANG_UP_AT = 10;
  let count = 0;
  Object.defineProperty(connection, '_unrecognizedCommands', {
    configurable: true,
    get: () => (count >= limit ? SERVER_HANG_UP_AT : Math.min(count, SERVER_HANG_UP_AT - 1)),
    set: (value: number) => {
      count = value === 0 ? 0 : count + 1;
    },
  });
}
