/**
 * The terminal's end of a conversation: a real SMTP client socket that sends exactly what the
 * learner types, one line at a time. It does not record anything (the tap does); it only has to
 * notice a 220 that answers STARTTLS and start TLS itself, as any client would.
 */
import type net from 'node:net';
import tls from 'node:tls';
import type { ConversationSummary } from '../../core/wire';
import { ExchangeTracker } from '../tap/exchange-tracker';
import { LineSplitter } from '../tap/line-splitter';
import type { TerminalSession } from './lab-types';

export interface TerminalOptions {
  socket: net.Socket;
  caPem: string;
  /** The conversation's current summary (its state changes as lines pass). */
  summary(): ConversationSummary;
}

export class Terminal implements TerminalSession {
  readonly #options: TerminalOptions;
  readonly #tracker = new ExchangeTracker();
  readonly #splitter = new LineSplitter();
  #stream: net.Socket | tls.TLSSocket;
  /**
   * Lines typed before the greeting, or while the TLS handshake runs; sent once it is done.
   * smtp-server answers a client that talks before its greeting with 421 ("You talk too soon"),
   * and a learner who types fast after Connect should not be thrown out for it.
   */
  #held: string[] | null = [];
  #greeted = false;
  #closed = false;

  constructor(options: TerminalOptions) {
    this.#options = options;
    this.#stream = options.socket;
    options.socket.on('data', this.#onPlainData);
    options.socket.on('close', () => {
      this.#closed = true;
    });
    // Errors end the connection; the tap reports them on the wire.
    options.socket.on('error', () => options.socket.destroy());
  }

  get conversation(): ConversationSummary {
    return this.#options.summary();
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(line: string): void {
    this.sendMany([line]);
  }

  sendMany(lines: readonly string[]): void {
    if (this.#closed) throw new Error('The terminal connection is closed.');
    // One Enter is one command: a CR or LF inside the text would split it in two.
    const texts = lines.map((line) => line.replace(/[\r\n]/g, ''));
    const ready: string[] = [];
    for (const text of texts) {
      this.#tracker.clientLine(text);
      if (this.#held) this.#held.push(text);
      else ready.push(text);
      // After STARTTLS nothing may follow in plain text (RFC 3207 §4): hold what comes after it
      // until the server has answered and, on a 220, the handshake is done.
      if (!this.#held && /^\s*STARTTLS\s*$/i.test(text)) this.#held = [];
    }
    // Lines sent together go out in one write, as a pipelining client sends them (RFC 2920).
    if (ready.length) this.#stream.write(ready.map((text) => `${text}\r\n`).join(''));
  }

  close(): void {
    this.#closed = true;
    this.#stream.destroy();
    this.#options.socket.destroy();
  }

  readonly #onPlainData = (chunk: Buffer): void => {
    for (const line of this.#splitter.push(chunk)) {
      const exchange = this.#tracker.serverLine(line.text);
      if (exchange && !this.#greeted) {
        this.#greeted = true;
        this.#release(this.#stream);
      }
      if (exchange && ExchangeTracker.startsTls(exchange)) {
        this.#startTls();
        return;
      }
      if (exchange?.verb === 'STARTTLS') this.#release(this.#stream); // refused: carry on in plain text
    }
  };

  #startTls(): void {
    const { socket, caPem } = this.#options;
    socket.removeListener('data', this.#onPlainData);
    this.#held ??= []; // keeps what was typed after STARTTLS
    const secure = tls.connect({ socket, ca: caPem, servername: 'localhost' });
    this.#stream = secure;
    // Replies are the tap's to record; the terminal still reads them for one thing: a STARTTLS
    // sent again inside TLS is refused (503), and what was typed after it must then go out.
    const splitter = new LineSplitter();
    secure.on('data', (chunk: Buffer) => {
      for (const line of splitter.push(chunk)) {
        if (this.#tracker.serverLine(line.text)?.verb === 'STARTTLS') this.#release(secure);
      }
    });
    secure.on('error', () => socket.destroy());
    secure.once('secureConnect', () => this.#release(secure));
  }

  #release(stream: net.Socket | tls.TLSSocket): void {
    const held = this.#held ?? [];
    this.#held = null;
    if (held.length) stream.write(held.map((text) => `${text}\r\n`).join(''));
  }
}
