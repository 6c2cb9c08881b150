/**
 * Real connected TCP socket pairs on 127.0.0.1, all from one internal listener. The lab uses them
 * wherever a component needs "a connection" but no port of its own: the terminal's client end, and
 * the hop from a tap into smtp-server (which only sees ordinary net.Sockets this way).
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

export class LoopbackPairs {
  #server: net.Server;
  #port = 0;
  /** Accepted sockets and pending connects, both keyed by the connecting end's local port. */
  #accepted = new Map<number, net.Socket>();
  #waiting = new Map<number, (far: net.Socket) => void>();
  #closed = false;

  private constructor(server: net.Server) {
    this.#server = server;
  }

  static async create(): Promise<LoopbackPairs> {
    const server = net.createServer();
    const pairs = new LoopbackPairs(server);
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
