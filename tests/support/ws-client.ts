/** A WebSocket client speaking the lab protocol, for tests and the benchmark. */
import WebSocket from 'ws';
import type { BridgeMessage, ClientMessage } from '../../core/protocol/messages';

export class LabSocket {
  readonly socket: WebSocket;
  readonly received: BridgeMessage[] = [];
  #waiters: Array<{ test: (m: BridgeMessage) => boolean; resolve: (m: BridgeMessage) => void }> = [];

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as BridgeMessage;
      this.received.push(message);
      this.#waiters = this.#waiters.filter((waiter) => {
        if (!waiter.test(message)) return true;
        waiter.resolve(message);
        return false;
      });
    });
  }

  static open(webUrl: string, headers: Record<string, string> = {}): Promise<LabSocket> {
    const url = new URL('/ws', webUrl.replace(/^http/, 'ws'));
    const socket = new WebSocket(url, { headers });
    const client = new LabSocket(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  send(message: ClientMessage | string): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The welcome message, which may already have arrived. */
  welcome(): Promise<Extract<BridgeMessage, { type: 'welcome' }>> {
    const isWelcome = (m: BridgeMessage): m is Extract<BridgeMessage, { type: 'welcome' }> => m.type === 'welcome';
    const seen = this.received.find(isWelcome);
    return seen ? Promise.resolve(seen) : this.next(isWelcome);
  }

  /** Resolves with the next message from now on that passes the test. */
  next<T extends BridgeMessage>(test: (m: BridgeMessage) => m is T, timeoutMs?: number): Promise<T>;
  next(test: (m: BridgeMessage) => boolean, timeoutMs?: number): Promise<BridgeMessage>;
  next(test: (m: BridgeMessage) => boolean, timeoutMs = 10_000): Promise<BridgeMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching message in time')), timeoutMs);
      this.#waiters.push({
        test,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Waits for the next server line of the conversation that starts with `prefix`. */
  serverLine(conversation: string, prefix: string): Promise<BridgeMessage> {
    return this.next((m) => m.type === 'wire' && m.event.conversation === conversation && m.event.dir === 'server' && m.event.text.startsWith(prefix));
  }

  close(): void {
    this.socket.close();
  }
}
