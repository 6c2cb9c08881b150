/**
 * One lab's side of the WebSocket: its pages, its terminals, its events. Every client message is
 * validated here; a bad one gets an `error` message back and the socket stays open. A lab's
 * events reach its own pages and no others.
 */
import { KeyBusyError } from '../world/learner-domain';
import type { RawData, WebSocket } from 'ws';
import {
  assertNever,
  parseClientMessage,
  type BridgeMessage,
  type ClientMessage,
  type ErrorCode,
} from '../../core/protocol/messages';
import { ComposeError, LabLimitError, UnknownDeliveryError, UnreachableHostError, type Lab, type LabEvents, type TerminalSession } from '../lab/lab-types';
import { log } from '../log';
import { SeatReplyError } from '../seat/server-seat';
import { MAX_CONVERSATION_PAGE_BYTES, MAX_LINES_PER_PAGE, MAX_PAGE_BYTES, RECENT_LINES_PER_CONVERSATION } from '../../core/protocol/pages';
import { corkForThisTurn } from './corked-sends';
import { newestPage, recentConversations } from './pages';
import { sendInTurns, TURN_BYTES } from './write-in-turns';

export interface LabChannelOptions {
  /** A page that stops reading is cut off past this many buffered bytes rather than grow the bridge. */
  maxBufferedBytes: number;
  /** How long a terminal outlives the page that opened it (a reload or a network blip). */
  terminalGraceMs: number;
  /** Whether the lab may take one more command now; false: the page is told to slow down. */
  allow?(): { ok: true } | { ok: false; message: string };
  /** Pages attached or gone, and any sign of life (hosted mode closes labs nobody uses). */
  onPages?(count: number): void;
  onActivity?(): void;
}

interface TerminalEntry {
  session: TerminalSession;
  owner: WebSocket | null;
  orphanTimer: NodeJS.Timeout | null;
}

export class LabChannel {
  readonly #lab: Lab;
  readonly #options: LabChannelOptions;
  readonly #clients = new Set<WebSocket>();
  readonly #terminals = new Map<string, TerminalEntry>();
  readonly #unsubscribe: Array<() => void> = [];
  /** Pages a big message is being sent to in fragments, with what waits to go after it. */
  readonly #fragmenting = new WeakMap<WebSocket, string[]>();

  constructor(lab: Lab, options: LabChannelOptions) {
    this.#lab = lab;
    this.#options = options;
    this.#relay('conversation.started', (conversation) => this.#broadcast({ type: 'conversation.started', conversation }));
    this.#relay('wire', (event) => this.#broadcast({ type: 'wire', event }));
    this.#relay('conversation.ended', (id, endedAt, state) => {
      this.#dropTerminal(id);
      this.#broadcast({ type: 'conversation.ended', id, endedAt, state });
    });
    this.#relay('message.stored', (summary) => {
      if (this.#clients.size > 0) this.#broadcast({ type: 'message.stored', message: summary() });
    });
    this.#relay('delivery.started', (delivery) => this.#broadcast({ type: 'delivery.started', delivery }));
    this.#relay('delivery.gate', (gate) => this.#broadcast({ type: 'delivery.gate', gate }));
    this.#relay('delivery.finished', (delivery) => this.#broadcast({ type: 'delivery.finished', delivery }));
    this.#relay('world.event', (event) => this.#broadcast({ type: 'world.event', event }));
    this.#relay('world.changed', (world, mailboxes) => this.#broadcast({ type: 'world.changed', world, mailboxes }));
    this.#relay('zone.changed', (zone) => this.#broadcast({ type: 'zone.changed', zone }));
    this.#relay('clock', (now) => this.#broadcast({ type: 'clock', now }));
    this.#relay('seat.opened', (seat) => this.#broadcast({ type: 'seat.opened', seat }));
    this.#relay('seat.client', (report) => this.#broadcast({ type: 'seat.client', report }));
    this.#relay('messages.dropped', (ids, reason, also) => this.#broadcast({ type: 'messages.dropped', ids, reason, ...also }));
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** Take a new page: it gets the lab as it is now, then every event. */
  add(socket: WebSocket): void {
    this.#clients.add(socket);
    this.#options.onPages?.(this.#clients.size);
    socket.on('close', () => {
      this.#clients.delete(socket);
      this.#options.onPages?.(this.#clients.size);
    });
    this.#welcome(socket);
  }

  /** Stop relaying; `reason` goes to pages still attached (the lab closed, or the bridge stops). */
  close(code = 1001, reason = 'lab shutting down'): void {
    for (const stop of this.#unsubscribe) stop();
    for (const entry of this.#terminals.values()) {
      if (entry.orphanTimer) clearTimeout(entry.orphanTimer);
      entry.session.close();
    }
    this.#terminals.clear();
    for (const client of this.#clients) client.close(code, reason);
  }

  #relay<E extends keyof LabEvents>(event: E, listener: LabEvents[E]): void {
    this.#lab.on(event, listener);
    this.#unsubscribe.push(() => this.#lab.off(event, listener));
  }

  /** The lab as it is now, in pages: newest lines, messages and events, so the frame stays a few MB at most. */
  #welcome(socket: WebSocket): void {
    const all = { limit: Number.POSITIVE_INFINITY, maxBytes: MAX_PAGE_BYTES };
    this.#send(socket, {
      type: 'welcome',
      lab: this.#lab.info,
      conversations: recentConversations(this.#lab, { ...all, maxBytes: MAX_CONVERSATION_PAGE_BYTES }).items,
      messages: newestPage(this.#lab.listMessages(), (m) => m.id, all).items,
      deliveries: this.#lab.listDeliveries(),
      gates: this.#lab.listGates(),
      world: this.#lab.describeWorld(),
      mailboxes: this.#lab.listMailboxes(),
      worldEvents: newestPage(this.#lab.worldEvents(), (_, i) => String(i), all).items,
      clock: this.#lab.clockNow(),
      seat: this.#lab.seat.info,
    });
    socket.on('message', (data, isBinary) => {
      void this.#receive(socket, data, isBinary).catch((error: unknown) => {
        log('error', 'WebSocket message failed', { error: String(error) });
        this.#sendError(socket, 'internal', 'The bridge could not handle that message; it is still running.');
      });
    });
    socket.on('error', (error) => log('warn', 'WebSocket error', { error: error.message }));
    socket.on('close', () => this.#orphanTerminalsOf(socket));
  }

  async #receive(socket: WebSocket, data: RawData, isBinary: boolean): Promise<void> {
    this.#options.onActivity?.();
    const verdict = this.#options.allow?.() ?? { ok: true };
    if (!verdict.ok) {
      this.#sendError(socket, 'rate-limited', verdict.message);
      return;
    }
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary) {
      log('warn', 'binary WebSocket message refused', { bytes: buffer.byteLength });
      this.#sendError(socket, 'bad-message', 'Binary messages are not part of the protocol; send JSON text.');
      return;
    }
    const parsed = parseClientMessage(buffer.toString('utf8'), buffer.byteLength);
    if (!parsed.ok) {
      log('warn', 'bad WebSocket message', { code: parsed.code, detail: parsed.message });
      this.#sendError(socket, parsed.code, parsed.message, parsed.ref);
      return;
    }
    await this.#handle(socket, parsed.message);
  }

  async #handle(socket: WebSocket, message: ClientMessage): Promise<void> {
    switch (message.type) {
      case 'terminal.open': {
        let session: TerminalSession;
        try {
          session = await this.#lab.openTerminal(message.host ? { host: message.host } : message.server);
        } catch (error) {
          if (error instanceof UnreachableHostError) return this.#sendError(socket, 'not-connected', error.message, message.ref);
          if (!(error instanceof LabLimitError)) throw error;
          this.#sendError(socket, 'limit', error.message, message.ref);
          return;
        }
        this.#terminals.set(session.conversation.id, { session, owner: socket, orphanTimer: null });
        this.#send(socket, { type: 'terminal.opened', ref: message.ref, conversation: session.conversation });
        return;
      }
      case 'terminal.line':
        this.#openTerminal(socket, message.conversation, message.ref)?.send(message.text.replace(/[\r\n]/g, ''));
        return;
      case 'terminal.lines':
        this.#openTerminal(socket, message.conversation, message.ref)?.sendMany(message.lines);
        return;
      case 'terminal.close': {
        const entry = this.#terminals.get(message.conversation);
        if (!entry) return this.#unknownTerminal(socket, message.conversation, message.ref);
        entry.session.close();
        return;
      }
      case 'conversation.get':
      case 'conversation.lines': {
        const before = message.type === 'conversation.lines' ? message.before : undefined;
        const limit = message.type === 'conversation.lines' ? (message.limit ?? MAX_LINES_PER_PAGE) : RECENT_LINES_PER_CONVERSATION;
        const conversation = this.#lab.conversationPage(message.conversation, { limit, maxBytes: MAX_PAGE_BYTES, ...(before === undefined ? {} : { before }) });
        if (!conversation) {
          this.#sendError(socket, 'unknown-conversation', `No conversation ${message.conversation}.`, message.ref);
          return;
        }
        const type = message.type === 'conversation.get' ? 'conversation.detail' : 'conversation.lines';
        this.#send(socket, { type, ref: message.ref, conversation });
        return;
      }
      case 'compose.send': {
        try {
          const delivery = await this.#lab.send(message.compose, message.connection, message.mode, { stepHops: message.stepHops });
          // Everyone hears of it through the lab event; the sender also gets its ref answered.
          this.#send(socket, { type: 'delivery.started', ref: message.ref, delivery });
        } catch (error) {
          if (error instanceof LabLimitError) this.#sendError(socket, 'limit', error.message, message.ref);
          else if (error instanceof ComposeError) this.#sendError(socket, 'invalid-compose', error.message, message.ref);
          else throw error;
        }
        return;
      }
      case 'delivery.control': {
        try {
          this.#lab.controlDelivery(message.delivery, message.action, message.intervalMs);
        } catch (error) {
          if (!(error instanceof UnknownDeliveryError)) throw error;
          this.#sendError(socket, 'unknown-delivery', error.message, message.ref);
        }
        return;
      }
      case 'scenario.apply':
        // Every page hears of the new world through the lab's 'world.changed' event.
        this.#lab.applyScenario(message.scenario, { fresh: message.fresh ?? true });
        return;
      case 'world.tamper':
        try {
          this.#lab.setTamper(message.host, message.mode);
        } catch (error) {
          this.#sendError(socket, 'bad-message', (error as Error).message, message.ref);
        }
        return;
      case 'zone.get':
        this.#send(socket, { type: 'zone', ref: message.ref, zone: this.#lab.learnerDomain.zone() });
        return;
      case 'zone.put': {
        const checked = this.#lab.learnerDomain.replace({ records: message.records, ...(message.mtaSts !== undefined ? { mtaSts: message.mtaSts } : {}) });
        if (checked.ok) this.#send(socket, { type: 'zone', ref: message.ref, zone: this.#lab.learnerDomain.zone() });
        else this.#send(socket, { type: 'zone.refused', ref: message.ref, errors: checked.errors });
        return;
      }
      case 'zone.reset':
        this.#send(socket, { type: 'zone', ref: message.ref, zone: this.#lab.learnerDomain.reset() });
        return;
      case 'zone.key':
        try {
          this.#send(socket, { type: 'zone.key', ref: message.ref, key: await this.#lab.learnerDomain.generateKey(message.algorithm, message.selector) });
        } catch (error) {
          if (!(error instanceof KeyBusyError)) throw error;
          this.#sendError(socket, 'limit', error.message, message.ref);
        }
        return;
      case 'clock.advance': {
        // Every page hears the jump through the lab's 'clock' event; the asker also gets its ref answered.
        const now = await this.#lab.advanceClock(message.ms);
        this.#send(socket, { type: 'clock', ref: message.ref, now });
        return;
      }
      case 'seat.open':
      case 'seat.close':
      case 'seat.start':
      case 'seat.reply':
      case 'seat.hangup':
        await this.#seat(socket, message);
        return;
      default:
        assertNever(message);
    }
  }

  /** Be the server: the learner's listener, the clients started against it, the replies typed there. */
  async #seat(socket: WebSocket, message: Extract<ClientMessage, { type: `seat.${string}` }>): Promise<void> {
    const seat = this.#lab.seat;
    try {
      switch (message.type) {
        case 'seat.open':
          // Every page hears the address through the lab's 'seat.opened' event; the asker gets its ref too.
          this.#send(socket, { type: 'seat.opened', ref: message.ref, seat: await seat.open() });
          return;
        case 'seat.close':
          await seat.stop();
          this.#send(socket, { type: 'seat.opened', ref: message.ref, seat: null });
          return;
        case 'seat.start':
          this.#send(socket, { type: 'seat.started', ref: message.ref, run: await seat.start(message.client, message.message) });
          return;
        case 'seat.reply':
          seat.reply(message.conversation, message.lines);
          return;
        case 'seat.hangup':
          seat.hangUp(message.conversation);
          return;
        default:
          assertNever(message);
      }
    } catch (error) {
      if (error instanceof SeatReplyError) this.#sendError(socket, error.code, error.message, message.ref);
      else if (error instanceof LabLimitError) this.#sendError(socket, 'limit', error.message, message.ref);
      else throw error;
    }
  }

  /** The page's open terminal for a line to go to; otherwise the page is told why there is none. */
  #openTerminal(socket: WebSocket, id: string, ref: string | undefined): TerminalSession | undefined {
    const entry = this.#claim(socket, id);
    if (!entry) {
      this.#unknownTerminal(socket, id, ref);
      return undefined;
    }
    if (entry.session.closed) {
      this.#sendError(socket, 'not-connected', 'This conversation has ended. Press Connect to start a new one.', ref);
      return undefined;
    }
    return entry.session;
  }

  /** A page that reconnects (reload, blip) takes its terminal back. */
  #claim(socket: WebSocket, id: string): TerminalEntry | undefined {
    const entry = this.#terminals.get(id);
    if (!entry) return undefined;
    if (entry.orphanTimer) {
      clearTimeout(entry.orphanTimer);
      entry.orphanTimer = null;
    }
    entry.owner = socket;
    return entry;
  }

  #orphanTerminalsOf(socket: WebSocket): void {
    for (const [id, entry] of this.#terminals) {
      if (entry.owner !== socket) continue;
      entry.owner = null;
      entry.orphanTimer = setTimeout(() => {
        log('info', 'closing a terminal whose page went away', { conversation: id });
        entry.session.close();
        this.#terminals.delete(id);
      }, this.#options.terminalGraceMs);
      entry.orphanTimer.unref();
    }
  }

  #dropTerminal(id: string): void {
    const entry = this.#terminals.get(id);
    if (!entry) return;
    if (entry.orphanTimer) clearTimeout(entry.orphanTimer);
    this.#terminals.delete(id);
  }

  #unknownTerminal(socket: WebSocket, id: string, ref: string | undefined): void {
    const known = this.#lab.getConversation(id);
    if (known?.endedAt) {
      this.#sendError(socket, 'not-connected', 'This conversation has ended. Press Connect to start a new one.', ref);
      return;
    }
    this.#sendError(socket, 'unknown-conversation', `No open terminal conversation ${id}.`, ref);
  }

  #sendError(socket: WebSocket, code: ErrorCode, message: string, ref?: string): void {
    this.#send(socket, { type: 'error', code, message, ...(ref === undefined ? {} : { ref }) });
  }

  #broadcast(message: BridgeMessage): void {
    // Most wire events under load reach no page at all: do not serialise them for nobody.
    if (this.#clients.size === 0) return;
    const text = JSON.stringify(message);
    for (const client of this.#clients) this.#sendText(client, text);
  }

  #send(socket: WebSocket, message: BridgeMessage): void {
    this.#sendText(socket, JSON.stringify(message));
  }

  #sendText(socket: WebSocket, text: string): void {
    if (socket.readyState !== socket.OPEN) return;
    // A big message (a welcome) is still leaving in fragments: what comes meanwhile waits its turn.
    const waiting = this.#fragmenting.get(socket);
    if (waiting) {
      waiting.push(text);
      return;
    }
    if (socket.bufferedAmount > this.#options.maxBufferedBytes) {
      log('warn', 'a page stopped reading; closing its WebSocket', { buffered: socket.bufferedAmount });
      socket.close(1013, 'too far behind; reload the page');
      return;
    }
    if (text.length > TURN_BYTES) {
      const queue: string[] = [];
      this.#fragmenting.set(socket, queue);
      sendInTurns(socket, text, () => {
        this.#fragmenting.delete(socket);
        for (const next of queue) this.#sendText(socket, next);
      });
      return;
    }
    corkForThisTurn(socket);
    socket.send(text);
  }
}
