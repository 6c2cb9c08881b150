/**
 * A raw SMTP client for tests: sends bytes as given and reads whole replies, with no SMTP
 * knowledge beyond the reply grammar. Like swaks or a learner's telnet, it does what it is told.
 */
import net from 'node:net';
import tls from 'node:tls';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplyAssembler, type Reply } from '../../core/smtp/reply';
import { createLab, type LabSettings } from '../../bridge/lab/lab';
import type { Lab } from '../../bridge/lab/lab-types';
import type { WireEvent } from '../../core/wire';

export class RawClient {
  #stream: net.Socket | tls.TLSSocket;
  #buffer = '';
  #assembler = new ReplyAssembler();
  #replies: Reply[] = [];
  #waiters: Array<() => void> = [];
  #ended = false;
  readonly ended: Promise<void>;

  private constructor(socket: net.Socket) {
    this.#stream = socket;
    this.ended = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('close', () => {
      this.#ended = true;
      this.#wake();
    });
    socket.on('error', () => {});
    this.#listen(socket);
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** A client over a socket that is already connected (e.g. one from world.openHost). */
  static over(socket: net.Socket): RawClient {
    return new RawClient(socket);
  }

  get isEnded(): boolean {
    return this.#ended;
  }

  #listen(stream: net.Socket | tls.TLSSocket): void {
    stream.setEncoding('latin1');
    stream.on('data', (text: string) => {
      this.#buffer += text;
      let lf: number;
      while ((lf = this.#buffer.indexOf('\n')) !== -1) {
        const line = this.#buffer.slice(0, lf).replace(/\r$/, '');
        this.#buffer = this.#buffer.slice(lf + 1);
        const reply = this.#assembler.push(line);
        if (reply) this.#replies.push(reply);
      }
      this.#wake();
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** The next complete reply; rejects if the connection ends first or nothing comes in time. */
  async reply(timeoutMs = 5_000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const next = this.#replies.shift();
      if (next) return next;
      if (this.#ended) throw new Error('connection closed before a reply');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no reply in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Send one command line and return its reply. */
  async command(line: string): Promise<Reply> {
    this.write(`${line}\r\n`);
    return this.reply();
  }

  write(data: string | Buffer): void {
    this.#stream.write(data);
  }

  /** Upgrade after a 220 to STARTTLS, trusting only the lab CA. */
  async startTls(ca: string): Promise<tls.TLSSocket> {
    const plain = this.#stream as net.Socket;
    plain.removeAllListeners('data');
    const secure = tls.connect({ socket: plain, ca, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    secure.on('error', () => {});
    this.#stream = secure;
    this.#listen(secure);
    return secure;
  }

  close(): void {
    this.#stream.destroy();
  }
}

/** Reply text of all lines, for matching. */
export function textOf(reply: Reply): string {
  return reply.lines.join('\n');
}

/** A lab on 127.0.0.1, any free port, in a fresh state directory. */
export async function startLab(settings: Partial<LabSettings> = {}): Promise<{ lab: Lab; stop(): Promise<void> }> {
  const stateDir = await mkdtemp(join(tmpdir(), 'smtp-lab-test-'));
  const logs: string[] = [];
  const lab = await createLab({ host: '127.0.0.1', smtpPort: 0, smtpsPort: 0, stateDir, log: (line) => logs.push(line), ...settings });
  return {
    lab,
    async stop() {
      await lab.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** A lab whose wire events, every conversation's, are collected in `events` as they come. */
export async function startRecordedLab(settings: Partial<LabSettings> = {}): Promise<{ lab: Lab; stop(): Promise<void>; events: WireEvent[] }> {
  const started = await startLab(settings);
  const events: WireEvent[] = [];
  started.lab.on('wire', (event) => events.push(event));
  return { ...started, events };
}

/** Wait until a condition holds (events cross sockets, so the record lags a little behind). */
export async function eventually<T>(probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
