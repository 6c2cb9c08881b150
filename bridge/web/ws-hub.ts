/**
 * The WebSocket side of the bridge: checks each upgrade, finds the caller's lab and hands the page
 * to that lab's channel. Locally there is one lab for every page; in hosted mode the lab comes
 * from the browser's lab cookie, and a new one is made (and its cookie set) for a browser without.
 */
import { WebSocketServer } from 'ws';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { LAB_CLOSED } from '../../core/protocol/close-codes';
import { WS_MAX_PAYLOAD_BYTES } from '../../core/protocol/messages';
import { LabLimitError, type Lab } from '../lab/lab-types';
import { log } from '../log';
import { LabChannel, type LabChannelOptions } from './lab-channel';
import { checkUpgrade, type HostRule } from './upgrade-guard';

/** The Host rule is the same as for every HTTP request (see upgrade-guard.ts). */
export interface WsHubOptions extends HostRule {
  /** A page that stops reading is cut off past this many buffered bytes rather than grow the bridge. */
  maxBufferedBytes?: number;
  /** How long a terminal outlives the page that opened it (a reload or a network blip). */
  terminalGraceMs?: number;
}

/** The lab an upgrade belongs to, found by the caller (hosted mode). */
export interface LabAttachment {
  key: string;
  lab: Lab;
  /** A Set-Cookie value for a browser that just got a lab. */
  setCookie?: string;
  channel?: Pick<LabChannelOptions, 'allow' | 'onPages' | 'onActivity'>;
}

export type AttachLab = (req: IncomingMessage) => Promise<LabAttachment>;

const SINGLE = 'local';

export class WsHub {
  readonly #wss: WebSocketServer;
  readonly #options: WsHubOptions & Required<Pick<WsHubOptions, 'maxBufferedBytes' | 'terminalGraceMs'>>;
  readonly #attach: AttachLab;
  readonly #channels = new Map<string, LabChannel>();
  readonly #cookies = new WeakMap<IncomingMessage, string>();

  /** One lab for every page, or a function that finds each page's lab. */
  constructor(source: Lab | AttachLab, options: WsHubOptions) {
    this.#options = { maxBufferedBytes: 8 * 1024 * 1024, terminalGraceMs: 30_000, ...options };
    this.#attach = typeof source === 'function' ? source : async () => ({ key: SINGLE, lab: source });
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD_BYTES, clientTracking: true });
    this.#wss.on('headers', (headers, req) => {
      const cookie = this.#cookies.get(req);
      if (cookie) headers.push(`Set-Cookie: ${cookie}`);
    });
    if (typeof source !== 'function') this.#channelFor({ key: SINGLE, lab: source });
  }

  get clientCount(): number {
    return this.#wss.clients.size;
  }

  /** Called from the HTTP server's 'upgrade' event. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { pathname } = new URL(req.url ?? '/', 'http://lab');
    const verdict = pathname === '/ws' ? checkUpgrade(req, this.#options) : { ok: false, reason: 'no WebSocket here' };
    if (!verdict.ok) {
      log('warn', 'WebSocket upgrade refused', { reason: verdict.reason ?? '', origin: req.headers.origin ?? '' });
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    socket.on('error', () => socket.destroy());
    this.#attach(req).then(
      (attachment) => {
        if (socket.destroyed) return;
        if (attachment.setCookie) this.#cookies.set(req, attachment.setCookie);
        const channel = this.#channelFor(attachment);
        this.#wss.handleUpgrade(req, socket, head, (ws) => channel.add(ws));
      },
      (error: unknown) => {
        const refused = error instanceof LabLimitError;
        if (!refused) log('error', 'WebSocket upgrade failed', { error: String(error) });
        const body = refused ? error.message : 'The lab could not be opened.';
        const status = refused ? '429 Too Many Requests' : '500 Internal Server Error';
        socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      },
    );
  }

  /** A lab has closed: its pages are told (they reconnect to a new one) and its channel goes. */
  forget(key: string): void {
    const channel = this.#channels.get(key);
    if (!channel) return;
    this.#channels.delete(key);
    channel.close(LAB_CLOSED, 'this lab was closed after being idle; reload for a new one');
  }

  async close(): Promise<void> {
    for (const channel of this.#channels.values()) channel.close();
    this.#channels.clear();
    for (const client of this.#wss.clients) client.close(1001, 'lab shutting down');
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #channelFor(attachment: LabAttachment): LabChannel {
    let channel = this.#channels.get(attachment.key);
    if (!channel) {
      channel = new LabChannel(attachment.lab, {
        maxBufferedBytes: this.#options.maxBufferedBytes,
        terminalGraceMs: this.#options.terminalGraceMs,
        ...attachment.channel,
      });
      this.#channels.set(attachment.key, channel);
    }
    return channel;
  }
}
