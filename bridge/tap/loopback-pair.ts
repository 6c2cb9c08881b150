/**
 * Real connected TCP socket pairs on 127.0.0.1, from a few internal listeners. The lab uses them
 * where a client library needs a real connection but no port of its own: nodemailer's end of a
 * compose delivery, and the relay's end of a hop through the world.
 */
import net from 'node:net';

/** How long a pair may take to connect before it counts as failed. */
export const PAIR_TIMEOUT_MS = 5_000;

export interface SocketPair {
  /** The end that connected (its localPort is the other end's remotePort). */
  near: net.Socket;
  /** The end the listener accepted. */
  far: net.Socket;
}

/** One internal listener and the connects waiting on it. */
class PairListener {
  #server: net.Server;
  #port = 0;
  /** Accepted sockets and pending connects, both keyed by the connecting end's local port. */
  #accepted = new Map<number, net.Socket>();
  #waiting = new Map<number, (far: net.Socket) => void>();
  #closed = false;

  private constructor(server: net.Server) {
    this.#server = server;
  }

  static async create(): Promise<PairListener> {
    const server = net.createServer();
    const pairs = new PairListener(server);
    server.on('connection', (socket) => pairs.#onAccept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('Loopback listener has no port');
    pairs.#port = address.port;
    return pairs;
  }

  #onAccept(socket: net.Socket): void {
    socket.setNoDelay(true);
    // Only our own connects are expected; anything else from this host is dropped.
    const key = socket.remotePort ?? -1;
    socket.on('error', () => socket.destroy());
    const waiter = this.#waiting.get(key);
    if (waiter) {
      this.#waiting.delete(key);
      waiter(socket);
    } else {
      this.#accepted.set(key, socket);
      // If no connect claims it soon, it was not ours.
      setTimeout(() => {
        if (this.#accepted.get(key) === socket) {
          this.#accepted.delete(key);
          socket.destroy();
        }
      }, PAIR_TIMEOUT_MS).unref();
    }
  }

  /** A new connected pair. Both ends have Nagle off: SMTP lines are small and latency is visible. */
  async pair(): Promise<SocketPair> {
    if (this.#closed) throw new Error('Loopback pairs are closed');
    const near = net.connect({ host: '127.0.0.1', port: this.#port });
    near.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      near.once('connect', resolve);
      near.once('error', reject);
    });
    const key = near.localPort ?? -1;
    const far = await new Promise<net.Socket>((resolve, reject) => {
      const already = this.#accepted.get(key);
      if (already) {
        this.#accepted.delete(key);
        resolve(already);
        return;
      }
      const timer = setTimeout(() => {
        this.#waiting.delete(key);
        near.destroy();
        reject(new Error('Loopback pair did not connect'));
      }, PAIR_TIMEOUT_MS);
      this.#waiting.set(key, (socket) => {
        clearTimeout(timer);
        resolve(socket);
      });
    });
    return { near, far };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const socket of this.#accepted.values()) socket.destroy();
    this.#accepted.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/**
 * Node's listener takes one waiting connection per turn of the event loop, so on a busy bridge
 * a burst of connects queued behind each other for seconds. Several listeners, used in turn,
 * take several per turn.
 */
export const PAIR_LISTENERS = 8;

export class LoopbackPairs {
  readonly #listeners: PairListener[];
  #next = 0;

  private constructor(listeners: PairListener[]) {
    this.#listeners = listeners;
  }

  static async create(listeners = PAIR_LISTENERS): Promise<LoopbackPairs> {
    return new LoopbackPairs(await Promise.all(Array.from({ length: Math.max(1, listeners) }, () => PairListener.create())));
  }

  /** A new connected pair. Both ends have Nagle off: SMTP lines are small and latency is visible. */
  pair(): Promise<SocketPair> {
    const listener = this.#listeners[this.#next] as PairListener;
    this.#next = (this.#next + 1) % this.#listeners.length;
    return listener.pair();
  }

  async close(): Promise<void> {
    await Promise.all(this.#listeners.map((listener) => listener.close()));
  }
}
