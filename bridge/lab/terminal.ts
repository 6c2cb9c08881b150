/**
 * The terminal's end of a conversation: a real SMTP client socket that sends exactly what the
 * learner types, one line at a time. It does not record anything (the tap does). It reads the
 * replies it gets with core's session tracker, as any client must, for two things only: hold what
 * is typed before the greeting, and after STARTTLS until the server has answered it and, on a 220,
 * the handshake is done. Any other reply, a refusal of any kind included, never stops it sending.
 */
import type net from 'node:net';
import tls from 'node:tls';
import { SessionTracker } from '../../core/machines/session-tracker';
import type { ConversationSummary } from '../../core/wire';
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
  readonly #tracker = new SessionTracker({ keepLines: false, engine: 'stepper' });
  #splitter = new LineSplitter();
  #stream: net.Socket | tls.TLSSocket;
  /**
   * Lines typed while the server cannot take them yet, sent once it can. smtp-server answers a
   * client that talks before its greeting with 421 ("You talk too soon"), and a learner who types
   * fast after Connect should not be thrown out for it; after STARTTLS nothing may follow in plain
   * text (RFC 3207 §4).
   */
  #held: string[] | null = [];
  #closed = false;

  constructor(options: TerminalOptions) {
    this.#options = options;
    this.#stream = options.socket;
    options.socket.on('data', this.#onData);
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
    if (this.#held) this.#held.push(...texts);
    else this.#write(texts);
  }

  close(): void {
    this.#closed = true;
    this.#stream.destroy();
    this.#options.socket.destroy();
  }

  /**
   * Can a line go out now? Not before the greeting, not while STARTTLS waits for its answer, and
   * not during the handshake. Everything else goes, whatever the server said to the line before.
   */
  #canSend(): boolean {
    const { state, context } = this.#tracker;
    return state !== 'connecting' && state !== 'tls' && context.pending.at(-1)?.verb !== 'STARTTLS';
  }

  /** Lines sent together go out in one write, as a pipelining client sends them (RFC 2920). */
  #write(texts: readonly string[]): void {
    const ready: string[] = [];
    let index = 0;
    while (index < texts.length && this.#canSend()) {
      const text = texts[index++] as string;
      this.#tracker.advance({ dir: 'client', text });
      ready.push(text);
    }
    if (index < texts.length) this.#held = texts.slice(index);
    else if (!this.#canSend()) this.#held = [];
    if (ready.length) this.#stream.write(ready.map((text) => `${text}\r\n`).join(''));
  }

  readonly #onData = (chunk: Buffer): void => {
    for (const line of this.#splitter.push(chunk)) {
      const before = this.#tracker.state;
      this.#tracker.advance({ dir: 'server', text: line.text });
      // The 220 to STARTTLS: the handshake starts now, before anything else is written.
      if (before !== 'tls' && this.#tracker.state === 'tls') {
        this.#startTls();
        return;
      }
      this.#releaseIfReady();
    }
  };

  #releaseIfReady(): void {
    if (!this.#held || !this.#canSend()) return;
    const held = this.#held;
    this.#held = null;
    this.#write(held);
  }

  #startTls(): void {
    const { socket, caPem } = this.#options;
    socket.removeListener('data', this.#onData);
    this.#held ??= []; // keeps what is typed during the handshake
    const secure = tls.connect({ socket, ca: caPem, servername: 'localhost' });
    this.#stream = secure;
    this.#splitter = new LineSplitter();
    // Replies inside TLS are read as before: a refusal in there must not stop the terminal either.
    secure.on('data', this.#onData);
    secure.on('error', () => socket.destroy());
    secure.once('secureConnect', () => {
      this.#tracker.advance({ dir: 'info', info: 'tls', text: '' });
      this.#releaseIfReady();
    });
  }
}
