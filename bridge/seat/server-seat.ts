/**
 * "Be the server": a lab's server seat. A TCP listener on 127.0.0.1 whose every reply the learner
 * types. A real client connects (nodemailer with a prepared message, any local client on its port)
 * or the lab's relay reaches it as mx.you.test; either way the connection goes client → tap → the
 * learner's end (SeatEnd), through the lab's own `serve`, so its lines are recorded and read by the
 * session tracker exactly like every other conversation. A typed reply is checked by core first:
 * what is not valid SMTP is refused with the reason and never sent; anything valid goes as typed.
 */
import type net from 'node:net';
import nodemailer from 'nodemailer';
import type { NodemailerError } from 'nodemailer/lib/errors';
import { checkReply } from '../../core/smtp/reply-check';
import { PREPARED_MESSAGES, SEAT_TEACHING_TIMEOUT_MS, type PreparedMessageId, type SeatClient, type SeatClientReport, type SeatInfo } from '../../core/protocol/seat';
import { SEAT_DOMAIN, SEAT_HOST } from '../../core/world/seat-world';
import type { Origin, TapEvent } from '../../core/wire';
import { freshId } from '../lab/bounded-records';
import type { HopStart } from '../world/hop';
import type { HostTarget } from '../world/relay-client';
import type { SubmittedMessage } from '../world/world';
import type { LineTap } from '../tap/line-tap';
import { listenForClients } from '../tap/smtp-listener';
import { SeatEnd } from './seat-end';

/** The name nodemailer gives in EHLO when the seat starts it. */
export const SEAT_CLIENT_NAME = 'app.lab.test';

/** A typed reply the seat refused: not valid SMTP (the reason says why), or no client to send it to. */
export class SeatReplyError extends Error {
  constructor(
    message: string,
    readonly code: 'invalid-reply' | 'not-connected' | 'unknown-conversation',
  ) {
    super(message);
  }
}

/** Where a connection goes once the lab's tap has it: the learner's end. */
export interface SeatRoute {
  server: () => { accept(socket: net.Socket, peer: { conversation: string; remoteAddress: string; remotePort: number }): void };
  onEvent(event: TapEvent): void;
  onClose(): void;
  peer?: string;
  hop?: number;
}

export interface ServerSeatOptions {
  host: string;
  certificates: { certPem: string; keyPem: string; caPem: string };
  /** The lab's own: a tap between `client` and the route's server, under a new conversation. */
  serve(client: net.Socket, origin: Origin, remoteAddress: string, remotePort: number, route: SeatRoute): Promise<{ conversation: { id: string }; tap: LineTap } | undefined>;
  /** A connected loopback TCP pair (the relay's hop). */
  pair(): Promise<{ near: net.Socket; far: net.Socket }>;
  /** Throws when the lab may not open one more conversation. */
  roomForOne(): void;
  /** Hand mail to the lab's relay queue; returns its queue id. */
  enqueue(message: SubmittedMessage): string;
  /** The lab account nodemailer logs in with. */
  account: { user: string; pass: string };
  /** How long the clients wait for each reply (teaching mode). */
  timeoutMs?: number;
  onOpened(seat: SeatInfo | null): void;
  onReport(report: SeatClientReport): void;
  log(message: string): void;
}

export class ServerSeat {
  readonly #options: ServerSeatOptions;
  readonly #timeoutMs: number;
  /** The learner's end of each live connection, by conversation id. */
  readonly #ends = new Map<string, SeatEnd>();
  readonly #runs = new Map<string, unknown>();
  #listener: net.Server | null = null;
  #info: SeatInfo | null = null;
  #opening: Promise<SeatInfo> | null = null;
  #closed = false;

  constructor(options: ServerSeatOptions) {
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? SEAT_TEACHING_TIMEOUT_MS;
  }

  /** The seat while it listens, else null. */
  get info(): SeatInfo | null {
    return this.#info;
  }

  /** Start listening (once); resolves with where. */
  open(): Promise<SeatInfo> {
    if (this.#closed) return Promise.reject(new Error('The lab is closing'));
    this.#opening ??= listenForClients(this.#options.host, 0, 'lab: server seat', (socket) => void this.#accept(socket), this.#options.log).then(
      ({ server, address }) => {
        this.#listener = server;
        this.#info = { ...address, domain: SEAT_DOMAIN, mxHost: SEAT_HOST, timeoutMs: this.#timeoutMs };
        this.#options.onOpened(this.#info);
        return this.#info;
      },
      (error: unknown) => {
        this.#opening = null;
        throw error;
      },
    );
    return this.#opening;
  }

  /** Stop listening: connections already in go on; the relay finds the port closed and retries later. */
  async stop(): Promise<void> {
    const listener = this.#listener;
    this.#listener = null;
    this.#opening = null;
    this.#info = null;
    if (listener) await new Promise<void>((resolve) => listener.close(() => resolve()));
    this.#options.onOpened(null);
  }

  /**
   * Send what the learner typed to the client of `conversation`, once core's check passes.
   * Throws SeatReplyError with the reason otherwise: nothing is sent then.
   */
  reply(conversation: string, typed: readonly string[]): void {
    const end = this.#ends.get(conversation);
    if (!end) throw new SeatReplyError(`No client is connected to your server in conversation ${conversation}.`, 'unknown-conversation');
    const check = checkReply(typed);
    if (!check.ok) throw new SeatReplyError(check.reason, 'invalid-reply');
    if (end.closed) throw new SeatReplyError('The client has gone: this conversation has ended.', 'not-connected');
    end.write(check.lines);
  }

  /** Drop a client's connection without a word. */
  hangUp(conversation: string): void {
    const end = this.#ends.get(conversation);
    if (!end) throw new SeatReplyError(`No client is connected to your server in conversation ${conversation}.`, 'unknown-conversation');
    end.close();
  }

  /** Start a real client against the seat (opening it first). Resolves with the run id once it is on its way. */
  async start(client: SeatClient, messageId: PreparedMessageId): Promise<string> {
    const info = await this.open();
    const message = PREPARED_MESSAGES.find((m) => m.id === messageId) ?? PREPARED_MESSAGES[0];
    const run = freshId('r', this.#runs);
    this.#runs.set(run, client);
    if (this.#runs.size > 100) this.#runs.delete(this.#runs.keys().next().value ?? '');
    if (client === 'relay') {
      // The lab's relay takes it like mail a lab user submitted: its queue, retries and bounces.
      this.#options.enqueue({
        raw: Buffer.from(preparedSource(message)),
        envelopeFrom: message.from,
        envelopeTo: [...message.to],
        authenticated: false,
      });
      return run;
    }
    this.#options.roomForOne();
    const transport = nodemailer.createTransport({
      host: info.host,
      port: info.port,
      secure: false,
      name: SEAT_CLIENT_NAME,
      // It trusts the lab CA, so STARTTLS the learner allows ends in a verified handshake.
      tls: { ca: [this.#options.certificates.caPem], servername: 'localhost' },
      connectionTimeout: this.#timeoutMs,
      greetingTimeout: this.#timeoutMs,
      socketTimeout: this.#timeoutMs,
      ...('login' in message && message.login ? { auth: { ...this.#options.account } } : {}),
      logger: false,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    const report = (result: Partial<SeatClientReport>) =>
      this.#options.onReport({ run, client, message: message.id, accepted: [], rejected: [], response: null, error: null, ...result });
    // The message is built first, as an app that stores or signs it does, so nodemailer knows its
    // size: it declares it (MAIL FROM … SIZE=n) to a server that advertises SIZE, and keeps to the
    // limit one advertises (RFC 1870 §4) by not sending at all.
    const raw = preparedSource(message);
    transport
      .sendMail({ envelope: { from: message.from, to: [...message.to], size: Buffer.byteLength(raw) }, raw })
      .then(
        (info) => report({ accepted: info.accepted.map(String), rejected: info.rejected.map(String), response: info.response ?? null }),
        (error: unknown) => report({ error: describe(error), rejected: rejectedOf(error), response: responseOf(error) }),
      )
      .finally(() => transport.close());
    return run;
  }

  /** The relay's hop to mx.you.test: a loopback pair whose far end the seat serves, or a closed port. */
  async relayHop(hop: HopStart, observe: (event: TapEvent) => void, closedPort: number): Promise<HostTarget> {
    if (!this.#info || this.#closed) return { port: closedPort };
    const { near, far } = await this.#options.pair();
    const served = await this.#serve(far, 'relay', hop.address, near.localPort ?? 0, observe, { peer: `${hop.client.name} → ${hop.host}`, hop: hop.hop });
    if (!served) {
      near.destroy();
      return { port: closedPort };
    }
    return { socket: near, conversation: served };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const end of this.#ends.values()) end.close();
    await this.stop();
  }

  async #accept(socket: net.Socket): Promise<void> {
    try {
      this.#options.roomForOne();
    } catch (error) {
      // The lab is full: a hang-up the client reports as a refused connection, not a silent wait.
      this.#options.log(`seat: ${String(error)}`);
      socket.destroy();
      return;
    }
    await this.#serve(socket, 'seat', socket.remoteAddress ?? '127.0.0.1', socket.remotePort ?? 0, () => {}, {});
  }

  /** Put the lab's tap between a client socket and a new SeatEnd; the conversation id, or null. */
  async #serve(client: net.Socket, origin: Origin, address: string, port: number, observe: (event: TapEvent) => void, extra: { peer?: string; hop?: number }): Promise<string | null> {
    let end: SeatEnd | null = null;
    let tap: LineTap | null = null;
    let state = 'connecting';
    const route: SeatRoute = {
      ...extra,
      server: () => ({
        accept: (socket, peer) => {
          end = new SeatEnd(socket, this.#options.certificates);
          this.#ends.set(peer.conversation, end);
        },
      }),
      onEvent: (event) => {
        observe(event);
        const now = tap?.state ?? state;
        // The learner's 220 to STARTTLS has just been read: the inner hop turns to TLS now.
        if (event.dir === 'server' && now === 'tls' && state !== 'tls') end?.startTls();
        state = now;
      },
      onClose: () => {
        for (const [id, each] of this.#ends) if (each === end) this.#ends.delete(id);
      },
    };
    const served = await this.#options.serve(client, origin, address, port, route);
    if (!served) return null;
    tap = served.tap;
    return served.conversation.id;
  }
}

/** The prepared message as the relay carries it (a sender's app would have made the same). */
function preparedSource(message: (typeof PREPARED_MESSAGES)[number]): string {
  const body = message.text.replace(/\r?\n/g, '\r\n');
  return [
    `From: ${message.from}`,
    `To: ${message.to.join(', ')}`,
    `Subject: ${message.subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${Date.now().toString(36)}.${Math.random().toString(36).slice(2)}@lab.test>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
  ].join('\r\n');
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodemailerError).code;
  return code ? `${error.message} (${code})` : error.message;
}

function rejectedOf(error: unknown): string[] {
  const rejected = (error as { rejected?: unknown }).rejected;
  return Array.isArray(rejected) ? rejected.map(String) : [];
}

function responseOf(error: unknown): string | null {
  const response = (error as { response?: unknown }).response;
  return typeof response === 'string' ? response : null;
}
