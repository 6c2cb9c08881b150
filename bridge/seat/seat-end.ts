/**
 * The learner's end of a "Be the server" connection: the socket the tap forwards the client's
 * commands to, and where each reply the learner types is written, exactly as typed (it was checked
 * before it got here). It reads nothing: the tap records the client's lines and core's session
 * tracker reads them there. After the learner answers 220 to STARTTLS it becomes the TLS server
 * of the inner hop, with the lab certificate, so the tap can terminate TLS towards the client as it
 * does for every lab server and the session goes on inside TLS.
 */
import type net from 'node:net';
import tls from 'node:tls';
import { serverContext } from '../tap/secure-contexts';

export class SeatEnd {
  readonly #socket: net.Socket;
  readonly #certPem: string;
  readonly #keyPem: string;
  #stream: net.Socket | tls.TLSSocket;
  #closed = false;
  readonly #discard = (): void => {};

  constructor(socket: net.Socket, certificate: { certPem: string; keyPem: string }) {
    this.#socket = socket;
    this.#stream = socket;
    this.#certPem = certificate.certPem;
    this.#keyPem = certificate.keyPem;
    // The client's bytes must flow (the tap has recorded them), or backpressure would stall it.
    socket.on('data', this.#discard);
    socket.on('close', () => (this.#closed = true));
    socket.on('error', () => socket.destroy());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Write checked reply lines in one write, as a server answering a pipelined batch does. */
  write(lines: readonly string[]): void {
    if (this.#closed) throw new Error('The client has gone: this conversation has ended.');
    this.#stream.write(lines.map((line) => `${line}\r\n`).join(''));
  }

  /**
   * The learner's 220 to STARTTLS has gone out: the tap's TLS client handshake follows on this
   * socket, so from now on it is read as TLS. Called in the turn the tap reads that 220, before
   * its ClientHello can arrive.
   */
  startTls(): void {
    this.#socket.removeListener('data', this.#discard);
    const secure = new tls.TLSSocket(this.#socket, { isServer: true, secureContext: serverContext(this.#certPem, this.#keyPem) });
    secure.on('data', this.#discard);
    secure.on('error', () => this.#socket.destroy());
    this.#stream = secure;
  }

  /** Hang up without a word, as a server that crashes or drops the line does. */
  close(): void {
    this.#closed = true;
    this.#stream.destroy();
    this.#socket.destroy();
  }
}
