/**
 * The line tap: sits between a client and the lab's smtp-server, forwards every byte both ways
 * untouched, and records each line as a wire event. When STARTTLS succeeds (or from the first byte,
 * for implicit TLS) it terminates TLS on both sides with the lab's certificates, so the learner keeps
 * seeing the lines inside TLS, and reports each TLS record the client side carries (what an
 * eavesdropper sees). With a gate, client lines wait there until released (step mode).
 * Nothing thrown here may escape a socket handler: failures become 'error' events and a clean close.
 */
import type net from 'node:net';
import type tls from 'node:tls';
import type { SessionStateName } from '../../core/machines/session-model';
import type { LabAccount } from '../../core/smtp/credential-filter';
import type { InfoKind, TapEvent, TlsRecord } from '../../core/wire';
import { LineBytes, type ClientLine, type Gate } from './gate';
import { LineSplitter, MAX_RECORDED_LINE, type SplitLine } from './line-splitter';
import { describeRecord } from './tls-records';
import { terminateTls } from './tls-termination';
import { WireReader } from './wire-reader';

export type { TapEvent };

export interface TapOptions {
  /** The socket the client talks to. */
  client: net.Socket;
  /** The socket connected to smtp-server. */
  server: net.Socket;
  /** Lab server certificate, presented to the client after STARTTLS. */
  certPem: string;
  keyPem: string;
  /** Lab CA, to verify the server's certificate on the inner hop. */
  caPem: string;
  onEvent(event: TapEvent): void;
  /** The lab's own credentials, the only ones a recorded line may show decoded. */
  accounts?: readonly LabAccount[];
  /** Called once, when both sides are closed. */
  onClose?(): void;
  log?(message: string): void;
  /** Longest line kept in a record. */
  maxRecordedLine?: number;
  /** Hold client lines here until released (step mode). */
  gate?: Gate;
  /** TLS from the first byte (the port 465 role): no plain-text phase at all. */
  implicitTls?: boolean;
  /**
   * A server outside the lab (a smarthost): verify its certificate for this name, against `ca` or
   * else the system's CAs, instead of the lab CA for localhost.
   */
  upstream?: { servername: string; ca?: string };
}

type Side = 'client' | 'server';
type Stream = net.Socket | tls.TLSSocket;

/** How long a half-closed connection may linger before the tap destroys it. */
export const LINGER_MS = 2_000;

export class LineTap {
  readonly #options: TapOptions;
  readonly #start = performance.now();
  /** Reads every line with the session tracker and keeps credentials out of the events. */
  readonly #reader: WireReader;
  readonly #splitters: Record<Side, LineSplitter>;
  /** The current stream on each side: the raw socket, or its TLS wrapper after STARTTLS. */
  readonly #streams: Record<Side, Stream>;
  #tls = false;
  /** Bytes that arrive while the other side is still in its TLS handshake. */
  #heldForServer: Buffer[] | null = null;
  #heldForClient: Buffer[] | null = null;
  /** Gate mode: each client line with its own bytes. */
  #lineBytes = new LineBytes();
  #closedBy: Side | null = null;
  #finished = false;
  /** Set once a TLS error has been reported, so a failed handshake is explained only once. */
  #handshakeError = false;
  readonly #open: Record<Side, boolean> = { client: true, server: true };

  constructor(options: TapOptions) {
    this.#options = options;
    this.#reader = new WireReader(options.accounts ?? []);
    const limit = options.maxRecordedLine ?? MAX_RECORDED_LINE;
    this.#splitters = { client: new LineSplitter(limit), server: new LineSplitter(limit) };
    this.#streams = { client: options.client, server: options.server };
    options.gate?.attach((lines, held) => this.#release(lines, held));
    for (const side of ['client', 'server'] as const) {
      const socket = this.#streams[side];
      socket.setNoDelay(true); // Nagle made a line-by-line tap 14x slower
      socket.on('close', () => this.#onSocketClosed(side));
      if (options.implicitTls) {
        // Plain-text data handlers would read the handshake as lines: only end/error here.
        socket.on('end', () => this.#guard(side, () => this.#onEnd(side)));
        socket.on('error', (error: Error) => this.#onError(side, error));
      } else {
        this.#listen(side, socket);
      }
    }
    // Everything on an implicit-TLS connection is encrypted, the greeting included.
    if (options.implicitTls) this.#tls = true;
    const { remoteAddress, remotePort } = options.client;
    this.#info('connected', `Connected from ${remoteAddress ?? '?'}:${remotePort ?? '?'}`);
    if (options.implicitTls) this.#wrapTls();
  }

  get tls(): boolean {
    return this.#tls;
  }

  /** The session state as the server has read the lines so far. */
  get state(): SessionStateName {
    return this.#reader.state;
  }

  /** Drop both sides now (lab shutdown, or the terminal's "close without QUIT"). */
  destroy(): void {
    for (const stream of [this.#streams.client, this.#streams.server, this.#options.client, this.#options.server]) {
      stream.destroy();
    }
  }

  #listen(side: Side, stream: Stream): void {
    stream.on('data', (chunk: Buffer) => this.#guard(side, () => this.#onData(side, chunk)));
    stream.on('end', () => this.#guard(side, () => this.#onEnd(side)));
    stream.on('error', (error: Error) => this.#onError(side, error));
  }

  #at(): number {
    return Math.round((performance.now() - this.#start) * 10) / 10;
  }

  #emit(event: TapEvent): void {
    try {
      this.#options.onEvent(event);
    } catch (error) {
      this.#options.log?.(`tap: event listener failed: ${String(error)}`);
    }
  }

  #info(info: InfoKind, text: string): void {
    const event: TapEvent = { dir: 'info', info, text, at: this.#at(), tls: this.#tls };
    if (info === 'tls') this.#options.gate?.read(event);
    for (const each of this.#reader.info(event)) this.#emit(each);
  }

  #guard(side: Side, action: () => void): void {
    try {
      action();
    } catch (error) {
      this.#onError(side, error instanceof Error ? error : new Error(String(error)));
    }
  }

  #onData(side: Side, chunk: Buffer): void {
    const lines = this.#splitters[side].push(chunk);
    const gate = this.#options.gate;
    if (side === 'client' && gate) {
      gate.push(this.#lineBytes.cut(chunk, lines, this.#at(), this.#tls));
      return;
    }
    // Forward first and record after: recording (tracker, WebSocket fan-out) must not sit on the
    // round trip. Only a 220 to STARTTLS must be seen before its bytes move on.
    if (side === 'client') {
      this.#forward('server', chunk);
      for (const line of lines) this.#recordClient(this.#lineEvent('client', line));
      return;
    }
    const recorded: TapEvent[] = [];
    let tlsAt = -1;
    for (const [index, line] of lines.entries()) {
      const event = this.#lineEvent('server', line);
      gate?.read(event);
      const read = this.#reader.server(event);
      recorded.push(...read.events);
      if (read.startsTls) {
        tlsAt = index;
        break;
      }
    }
    const reply = lines[tlsAt];
    if (!reply) this.#forward('client', chunk);
    for (const event of recorded) this.#emit(event);
    if (reply) this.#startTls(chunk.subarray(0, reply.end), chunk.subarray(reply.end));
  }

  #lineEvent(dir: Side, line: Pick<SplitLine, 'text' | 'cut'> & { bareLf?: boolean }, sentAt?: number, tls = this.#tls): TapEvent {
    const event: TapEvent = { dir, text: line.text, at: this.#at(), tls };
    if (line.cut > 0) event.cut = line.cut;
    if (dir === 'client' && line.bareLf) event.bareLf = true;
    if (sentAt !== undefined) event.sentAt = sentAt;
    return event;
  }

  /** A client line on its way to the server: recorded once the server's reading of it is decided. */
  #recordClient(event: TapEvent): void {
    for (const each of this.#reader.client(event)) this.#emit(each);
  }

  /** The gate lets lines through: now they are on the wire to the server, and recorded. */
  #release(lines: ClientLine[], held: boolean): void {
    if (lines.length === 0) return;
    this.#forward('server', lines.length === 1 && lines[0] ? lines[0].bytes : Buffer.concat(lines.map((line) => line.bytes)));
    for (const line of lines) this.#recordClient(this.#lineEvent('client', line, held ? line.at : undefined, line.tls));
  }

  #forward(to: Side, bytes: Buffer): void {
    if (bytes.length === 0) return;
    const held = to === 'server' ? this.#heldForServer : this.#heldForClient;
    if (held) {
      held.push(Buffer.from(bytes));
      return;
    }
    const stream = this.#streams[to];
    if (stream.destroyed || !stream.writable) return;
    if (!stream.write(bytes)) {
      // Backpressure: a client pumping a huge message must not pile it up in our memory.
      const source = this.#streams[to === 'server' ? 'client' : 'server'];
      source.pause();
      stream.once('drain', () => source.resume());
    }
  }

  /**
   * The server said 220 to STARTTLS. Order matters: wrap the client socket in TLS *before* the 220
   * reaches the client, or its ClientHello would arrive while we still read plain lines.
   */
  #startTls(replyBytes: Buffer, rest: Buffer): void {
    const { client, server } = this.#options;
    // Stop reading plain text on both raw sockets; the TLS wrappers take over from here.
    client.removeAllListeners('data');
    server.removeAllListeners('data');
    this.#splitters.client = new LineSplitter(this.#options.maxRecordedLine ?? MAX_RECORDED_LINE);
    this.#splitters.server = new LineSplitter(this.#options.maxRecordedLine ?? MAX_RECORDED_LINE);
    this.#lineBytes = new LineBytes();
    this.#wrapTls();
    client.write(replyBytes); // raw, ahead of anything the TLS wrapper writes
    if (rest.length) server.unshift(rest); // never expected: the server waits for our ClientHello
  }

  /**
   * Terminate TLS on both sides: the lab certificate towards the client, the lab CA trusted
   * towards the server. Until both handshakes are done, bytes for either side wait.
   */
  #wrapTls(): void {
    const { client, server, certPem, keyPem, caPem, upstream } = this.#options;
    const onRecord = (record: TlsRecord) =>
      this.#emit({ dir: 'info', info: 'record', record, text: describeRecord(record), at: this.#at(), tls: true });
    const secure = terminateTls({ client, server, certPem, keyPem, caPem, onRecord, ...(upstream ? { upstream } : {}) });
    this.#heldForServer = [];
    this.#heldForClient = [];
    this.#streams.client = secure.client;
    this.#streams.server = secure.server;
    this.#listen('client', secure.client);
    this.#listen('server', secure.server);
    // The wrappers own the sockets now; their close is the one that counts.
    secure.client.on('close', () => this.#onSocketClosed('client'));
    secure.server.on('close', () => this.#onSocketClosed('server'));
    secure.whenSecure(() => {
      this.#tls = true;
      const cipher = secure.client.getCipher();
      // A resumed session (a ticket from an earlier connection) skipped the certificate: worth saying.
      const resumed = secure.client.isSessionReused() ? ', session resumed' : '';
      this.#info('tls', `TLS established (${secure.client.getProtocol() ?? 'TLS'}, ${cipher.name}${resumed})`);
      const forServer = this.#heldForServer ?? [];
      const forClient = this.#heldForClient ?? [];
      this.#heldForServer = null;
      this.#heldForClient = null;
      for (const bytes of forServer) this.#forward('server', bytes);
      for (const bytes of forClient) this.#forward('client', bytes);
    });
  }

  #onEnd(side: Side): void {
    const gate = this.#options.gate;
    // A client that ends right after its last command (QUIT) must not cut off what the gate holds.
    if (side === 'client' && gate?.holding) {
      gate.whenDrained(() => this.#onEnd(side));
      return;
    }
    this.#closedBy ??= side;
    this.#flushPartial(side);
    const other = side === 'client' ? 'server' : 'client';
    const stream = this.#streams[other];
    // Pass the close on, after whatever is still queued for that side.
    if (!stream.destroyed) stream.end();
    setTimeout(() => this.destroy(), LINGER_MS).unref();
  }

  #flushPartial(side: Side): void {
    const partial = this.#splitters[side].flush();
    if (!partial) return;
    for (const each of this.#reader.read(this.#lineEvent(side, partial))) this.#emit(each);
  }

  #onError(side: Side, error: Error): void {
    const code = (error as NodeJS.ErrnoException).code;
    // A peer that just goes away is an ordinary close, not something to explain as an error.
    if (code === 'ECONNRESET' || code === 'EPIPE') {
      this.#closedBy ??= side;
    } else {
      if (this.#heldForServer) this.#handshakeError = true;
      const where = side === 'client' ? 'client side' : 'server side';
      this.#info('error', `${this.#tls || this.#heldForServer ? 'TLS ' : ''}error on the ${where}: ${error.message}`);
      this.#options.log?.(`tap: ${where}: ${error.message}`);
    }
    this.destroy();
  }

  #onSocketClosed(side: Side): void {
    if (!this.#open[side]) return;
    this.#open[side] = false;
    this.#closedBy ??= side;
    const other = side === 'client' ? 'server' : 'client';
    if (this.#open[other]) {
      this.#flushPartial(side);
      // A hard close (no FIN first) leaves the other side waiting: end it, then make sure.
      const stream = this.#streams[other];
      if (!stream.destroyed) stream.end();
      setTimeout(() => this.#streams[other].destroy(), LINGER_MS).unref();
      return;
    }
    this.#finish();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    // The usual cause: an app that does not trust the lab CA drops the handshake without a word.
    if (this.#heldForServer && !this.#handshakeError) {
      this.#info('error', 'The TLS handshake did not finish. Does the client trust the lab CA certificate?');
    }
    this.#info('closed', this.#closedBy === 'server' ? 'The server closed the connection' : 'The client closed the connection');
    try {
      this.#options.onClose?.();
    } catch (error) {
      this.#options.log?.(`tap: close listener failed: ${String(error)}`);
    }
  }
}
