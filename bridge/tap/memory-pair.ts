/**
 * An in-memory connected socket pair for the hop from a tap into smtp-server, which runs in the
 * same process. Over loopback TCP every line crossed the kernel twice more (a write and a read on
 * each end), which cost more than all the recording; here a write becomes the peer's 'data'.
 *
 * Both libraries expect a real socket, so this behaves like one where they look (DESIGN.md):
 * data arrives on a later tick, never inside write() (a synchronous pair breaks nodemailer);
 * `readyState` says 'open' (smtp-server drops replies otherwise); `setTimeout` reports idleness;
 * an end or a destroy on one side is an end on the other. Backpressure holds a writer until the
 * reader has taken the data, as a full TCP window would.
 *
 * Whoever keeps a socket in a set until it closes should wait on `released`, not on a 'close'
 * listener: smtp-server removes every listener of its socket at STARTTLS (`removeAllListeners()`),
 * so a 'close' listener put there by anyone else never runs, and the set keeps the socket forever.
 */
import type net from 'node:net';
import { Duplex } from 'node:stream';

export interface MemoryPairAddress {
  /** The client's address, as the server should see it. */
  remoteAddress: string;
  remotePort: number;
}

export class MemorySocket extends Duplex {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress = '127.0.0.1';
  readonly localPort = 0;
  readonly remoteFamily = 'IPv4';
  #peer: MemorySocket | null = null;
  /** The peer's write callback, waiting until this side reads what it pushed. */
  #waitingWriter: (() => void) | null = null;
  #ended = false;
  #timeoutMs = 0;
  #timer: NodeJS.Timeout | null = null;
  #onReleased: () => void = () => {};
  /**
   * Settles once this end is destroyed (its 'close' follows). A promise of the socket's own, not an
   * event listener, so a library that strips the socket's listeners cannot take it away.
   */
  readonly released = new Promise<void>((resolve) => (this.#onReleased = resolve));

  constructor(remoteAddress: string, remotePort: number) {
    // As net.Socket by default: an end from the peer ends this side too.
    super({ allowHalfOpen: false });
    this.remoteAddress = remoteAddress;
    this.remotePort = remotePort;
  }

  static pair(address: MemoryPairAddress): { near: MemorySocket; far: MemorySocket } {
    const near = new MemorySocket('127.0.0.1', 0);
    const far = new MemorySocket(address.remoteAddress, address.remotePort);
    near.#peer = far;
    far.#peer = near;
    return { near, far };
  }

  get readyState(): 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.destroyed) return 'closed';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    return this.writable ? 'writeOnly' : 'closed';
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  /** Like net.Socket: 'timeout' after `ms` without reads or writes; 0 turns it off. */
  setTimeout(ms: number, callback?: () => void): this {
    this.#timeoutMs = ms;
    if (callback) this.once('timeout', callback);
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = ms > 0 && !this.destroyed ? setTimeout(() => this.emit('timeout'), ms).unref() : null;
    return this;
  }

  #touch(): void {
    if (this.#timer && this.#timeoutMs > 0) this.#timer.refresh();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#touch();
    const peer = this.#peer;
    // Asynchronous on purpose: a reply must not arrive inside the write that asked for it.
    process.nextTick(() => {
      if (!peer || peer.destroyed || peer.#ended) {
        callback(); // the other side is gone: like TCP after a close, the bytes go nowhere
        return;
      }
      peer.#touch();
      if (peer.push(chunk)) callback();
      else peer.#waitingWriter = () => callback();
    });
  }

  override _read(): void {
    this.#releaseWriter();
  }

  override _final(callback: (error?: Error | null) => void): void {
    const peer = this.#peer;
    process.nextTick(() => {
      if (peer) peer.#endReadable();
      callback();
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#ended = true;
    // A writer held by backpressure on this side would never finish, and its socket never close.
    this.#releaseWriter();
    const peer = this.#peer;
    if (peer) process.nextTick(() => peer.#endReadable());
    callback(error);
    this.#onReleased();
  }

  #releaseWriter(): void {
    const writer = this.#waitingWriter;
    this.#waitingWriter = null;
    writer?.();
  }

  #endReadable(): void {
    if (this.#ended || this.destroyed) return;
    this.#ended = true;
    this.push(null);
  }
}

/**
 * A connected pair typed as sockets for the tap and smtp-server, which take `net.Socket`: they use
 * only what MemorySocket provides (streams, readyState, setTimeout, setNoDelay, addresses).
 */
export function memorySocketPair(address: MemoryPairAddress): { near: net.Socket; far: net.Socket } {
  const { near, far } = MemorySocket.pair(address);
  return { near: near as unknown as net.Socket, far: far as unknown as net.Socket };
}

/**
 * Settles once `socket` is gone: a MemorySocket's own `released`, which no library can remove;
 * for a real socket, its 'close' (which only our own code listens to on the sockets this is used for).
 */
export function whenReleased(socket: net.Socket | MemorySocket): Promise<void> {
  if (socket instanceof MemorySocket) return socket.released;
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}
