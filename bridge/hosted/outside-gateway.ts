/**
 * Hosted mode's SMTP ports, shared by every lab of the bridge. A client is nobody's until it
 * authenticates: the lines before AUTH are held, unseen, and the lab whose account it used adopts
 * the whole conversation at the 235. Without a lab's credentials it can only say EHLO and STARTTLS:
 * MAIL before AUTH gets 530, a wrong password 535, and it is cut off with 421 after a few commands,
 * three wrong logins or the login deadline. One client address holds only so many connections at
 * once: past that smtp-server answers 421 instead of its greeting.
 */
import net from 'node:net';
import { MessageStore } from '../lab/message-store';
import type { LabShared } from '../lab/lab-shared';
import { LabLimitError, type AdoptedConversation } from '../lab/lab-types';
import { createLabSmtpServer, type LabSmtpServer, type ServerLimits, type SessionRoute } from '../lab/smtp-server';
import { LineTap, type TapEvent } from '../tap/line-tap';
import { memorySocketPair } from '../tap/memory-pair';
import { listenForClients } from '../tap/smtp-listener';
import type { LabDirectory } from './lab-directory';

/** Lines kept for a client that has not authenticated yet; past this it is not a mail client. */
const MAX_HELD_EVENTS = 100;
/** Wrong logins on one connection before it is closed (smtp-server does not count AUTH as a command). */
export const MAX_FAILED_LOGINS = 3;

interface Pending {
  peer: string;
  /** The server's end of the in-memory pair, ended to close the connection after a last reply. */
  server: net.Socket;
  failedLogins: number;
  held: TapEvent[];
  adopted: AdoptedConversation | null;
  tap: LineTap | null;
  /** Why this connection is not served (too many from its address), or null. */
  refused: string | null;
  /** Ends the connection unless it logs in first. */
  deadline: NodeJS.Timeout | null;
}

export interface OutsideGatewayOptions {
  host: string;
  smtpPort: number;
  smtpsPort: number;
  shared: LabShared;
  directory: LabDirectory;
  limits?: Partial<ServerLimits>;
  /** Commands a client may send before it authenticates; then 421 and the connection ends. */
  unauthenticatedCommands: number;
  /** Time a client has to authenticate; then 421 and the connection ends. */
  loginDeadlineMs: number;
  /** Connections one client address may hold open at once; the next is answered 421. */
  connectionsPerAddress: number;
  log(message: string): void;
}

export interface OutsideGateway {
  readonly smtp: { host: string; port: number };
  readonly smtps: { host: string; port: number };
  close(): Promise<void>;
}

export async function startOutsideGateway(options: OutsideGatewayOptions): Promise<OutsideGateway> {
  const { shared, directory, log } = options;
  const pending = new Map<string, Pending>();
  /** Open connections per client address, for --connections-per-address. */
  const perAddress = new Map<string, number>();
  let counter = 0;

  const route: SessionRoute = {
    authenticate(user, pass, session) {
      const waiting = pending.get(session);
      const hosted = directory.byCredentials(user, pass);
      if (!waiting) return null;
      if (!hosted) {
        waiting.failedLogins += 1;
        if (waiting.failedLogins < MAX_FAILED_LOGINS) return null;
        // The reply is written first; the end follows it to the client.
        setImmediate(() => waiting.server.end());
        return { refused: '4.7.0 Too many failed logins; closing the connection', code: 421 };
      }
      if (waiting.adopted) return { refused: '5.5.1 Already authenticated', code: 503 };
      try {
        const tap = waiting.tap;
        if (!tap) return null;
        waiting.adopted = hosted.lab.adoptOutside(waiting.peer, waiting.held, () => tap.destroy(), tap);
      } catch (error) {
        if (!(error instanceof LabLimitError)) throw error;
        return { refused: `4.7.0 ${error.message}`, code: 454 };
      }
      waiting.held = [];
      if (waiting.deadline) clearTimeout(waiting.deadline);
      directory.touch(hosted);
      return { user };
    },
    target: (session) => pending.get(session)?.adopted?.target,
    admit: (session) => pending.get(session)?.refused ?? null,
  };
  const server = (role: 'submission' | 'smtps'): LabSmtpServer =>
    createLabSmtpServer({
      role,
      certificates: shared.certificates,
      // Unused: every message goes to the store of the lab the session authenticated for.
      store: new MessageStore(0),
      onMessage: () => {},
      route,
      limits: options.limits,
      maxUnauthenticatedCommands: options.unauthenticatedCommands,
      banner: role === 'smtps' ? 'SMTP Lab: log in with your lab’s credentials' : 'SMTP Lab: STARTTLS, then log in with your lab’s credentials',
      log,
    });
  const plain = server('submission');
  const implicit = server('smtps');

  function serve(client: net.Socket, target: LabSmtpServer, implicitTls: boolean): void {
    const id = `o${++counter}`;
    const remoteAddress = client.remoteAddress ?? '?';
    const remotePort = client.remotePort ?? 0;
    const { near, far } = memorySocketPair({ remoteAddress, remotePort });
    const open = (perAddress.get(remoteAddress) ?? 0) + 1;
    perAddress.set(remoteAddress, open);
    const refused = open > options.connectionsPerAddress ? `4.7.0 Too many connections from ${remoteAddress}: at most ${options.connectionsPerAddress} at once; close one and try again` : null;
    const waiting: Pending = { peer: `${remoteAddress}:${remotePort}`, server: far, failedLogins: 0, held: [], adopted: null, tap: null, refused, deadline: null };
    pending.set(id, waiting);
    const tap = new LineTap({
      client,
      server: near,
      certPem: shared.certificates.certPem,
      keyPem: shared.certificates.keyPem,
      caPem: shared.certificates.caPem,
      implicitTls,
      log,
      onEvent(event) {
        if (waiting.adopted) {
          waiting.adopted.record(event);
          return;
        }
        waiting.held.push(event);
        if (waiting.held.length > MAX_HELD_EVENTS) waiting.tap?.destroy();
      },
      onClose() {
        pending.delete(id);
        waiting.adopted?.end();
        waiting.held = [];
      },
    });
    waiting.tap = tap;
    taps.add(tap);
    if (!refused) {
      waiting.deadline = setTimeout(() => {
        // smtp-server says the 421; a client still in its TLS handshake has no session to say it in.
        if (!waiting.adopted && !target.hangUp(id, `4.4.2 No login within ${options.loginDeadlineMs / 1000} s; closing the connection`)) tap.destroy();
      }, options.loginDeadlineMs);
      waiting.deadline.unref();
    }
    client.once('close', () => {
      taps.delete(tap);
      if (waiting.deadline) clearTimeout(waiting.deadline);
      const left = (perAddress.get(remoteAddress) ?? 1) - 1;
      if (left > 0) perAddress.set(remoteAddress, left);
      else perAddress.delete(remoteAddress);
    });
    target.accept(far, { conversation: id, remoteAddress, remotePort });
  }

  const taps = new Set<LineTap>();
  const listeners: net.Server[] = [];
  async function listen(port: number, target: LabSmtpServer, implicitTls: boolean, name: string) {
    const accept = (socket: net.Socket) => {
      socket.on('error', () => socket.destroy());
      serve(socket, target, implicitTls);
    };
    const { server, address } = await listenForClients(options.host, port, `hosted: ${name}`, accept, log);
    listeners.push(server);
    return address;
  }

  async function close(): Promise<void> {
    const closed = listeners.map((listener) => new Promise<void>((resolve) => listener.close(() => resolve())));
    for (const tap of taps) tap.destroy();
    await Promise.all([...closed, plain.close(), implicit.close()]);
  }

  try {
    const smtp = await listen(options.smtpPort, plain, false, 'SMTP');
    const smtps = await listen(options.smtpsPort, implicit, true, 'SMTPS');
    return { smtp, smtps, close };
  } catch (error) {
    await close();
    throw error;
  }
}
