/**
 * How every connection reaches a lab server: client → tap → in-memory socket pair → smtp-server,
 * under a new conversation, so every line is recorded the same way and every reply is the server's
 * own — whether it came from outside, a terminal, the compose client or the server seat.
 */
import net from 'node:net';
import type { Origin } from '../../core/wire';
import type { LabAccount } from '../../core/smtp/credential-filter';
import type { Gate } from '../tap/gate';
import { LineTap, type TapEvent } from '../tap/line-tap';
import { memorySocketPair } from '../tap/memory-pair';
import { listenForClients } from '../tap/smtp-listener';
import type { LabCertificates } from './certificates';
import type { Conversation, Conversations } from './conversations';
import type { LabSmtpServer } from './smtp-server';

/** Where a connection goes once the tap has it. */
export interface Route {
  /** A lab server, a mail host of the world (a terminal talking to an MX directly), or the learner's end of a Be the server connection. */
  server: () => Pick<LabSmtpServer, 'accept'>;
  /** How the conversation names its client (default: its address and port), and its hop number. */
  peer?: string;
  hop?: number;
  implicitTls?: boolean;
  gate?: Gate;
  onClose?(): void;
  /** Hears every event the tap records (a delivery reads its outcome from them). */
  onEvent?(event: TapEvent): void;
}

export interface LabConnectionsOptions {
  conversations: Conversations;
  certificates: LabCertificates;
  accounts: readonly LabAccount[];
  /** True once the lab has begun to close: a connection arriving then is ended at once. */
  closing(): boolean;
  log(message: string): void;
}

export class LabConnections {
  readonly #options: LabConnectionsOptions;
  readonly #taps = new Set<LineTap>();
  /** Client sockets between arriving and their tap taking over. */
  readonly #loose = new Set<net.Socket>();
  readonly #listeners: net.Server[] = [];
  #lastPort = 1023;

  constructor(options: LabConnectionsOptions) {
    this.#options = options;
  }

  /** Put a tap between a client socket and a server, under a new conversation. */
  async serve(client: net.Socket, origin: Origin, remoteAddress: string, remotePort: number, route: Route): Promise<{ conversation: Conversation; tap: LineTap } | undefined> {
    const { conversations, certificates, accounts, log } = this.#options;
    const conversation = conversations.start(origin, route.peer ?? `${remoteAddress}:${remotePort}`);
    const onEarlyError = () => client.destroy();
    client.on('error', onEarlyError); // until the tap takes over
    this.#loose.add(client);
    try {
      // In memory, not loopback TCP: the kernel round trips of a second hop cost more than recording.
      const { near, far } = memorySocketPair({ remoteAddress, remotePort });
      if (this.#options.closing() || client.destroyed) {
        near.destroy();
        far.destroy();
        client.destroy();
        conversations.end(conversation);
        route.onClose?.();
        return undefined;
      }
      const tap = new LineTap({
        client,
        server: near,
        certPem: certificates.certPem,
        keyPem: certificates.keyPem,
        caPem: certificates.caPem,
        log,
        gate: route.gate,
        implicitTls: route.implicitTls,
        accounts,
        onEvent: (event) => {
          conversations.record(conversation, event, route.hop);
          route.onEvent?.(event);
        },
        onClose: () => {
          this.#taps.delete(tap);
          conversations.end(conversation);
          route.onClose?.();
        },
      });
      this.#taps.add(tap);
      conversation.readFrom(tap);
      route.server().accept(far, { conversation: conversation.id, remoteAddress, remotePort });
      return { conversation, tap };
    } catch (error) {
      log(`lab: could not serve ${conversation.id}: ${String(error)}`);
      conversations.record(conversation, { dir: 'info', info: 'error', text: 'The lab could not reach its SMTP server', at: 0, tls: false });
      client.destroy();
      conversations.end(conversation);
      route.onClose?.();
      return undefined;
    } finally {
      this.#loose.delete(client);
      client.off('error', onEarlyError);
    }
  }

  /** A listener for outside clients, each served on `route` as an external conversation. */
  async listen(host: string, port: number, route: Route, name: string): Promise<{ host: string; port: number }> {
    const accept = (socket: net.Socket) => void this.serve(socket, 'external', socket.remoteAddress ?? '?', socket.remotePort ?? 0, route);
    const { server, address } = await listenForClients(host, port, `lab: ${name}`, accept, this.#options.log);
    this.#listeners.push(server);
    return address;
  }

  /**
   * A terminal's socket pair, each under a port of its own. The terminal reaches the tap in memory:
   * over loopback TCP every terminal waited on the kernel's accept queue, which a busy bridge
   * drains one connection per event-loop turn.
   */
  clientPair(): { near: net.Socket; far: net.Socket; port: number } {
    this.#lastPort = this.#lastPort >= 65535 ? 1024 : this.#lastPort + 1;
    return { ...memorySocketPair({ remoteAddress: '127.0.0.1', remotePort: this.#lastPort }), port: this.#lastPort };
  }

  /** Stop listening and cut every connection; resolves when the listeners have closed. */
  close(): Promise<void> {
    const listenersClosed = this.#listeners.map((listener) => new Promise<void>((resolve) => listener.close(() => resolve())));
    for (const tap of this.#taps) tap.destroy();
    for (const socket of this.#loose) socket.destroy();
    return Promise.all(listenersClosed).then(() => undefined);
  }
}
