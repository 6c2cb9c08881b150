/**
 * The WebSocket link to the bridge: connects, reconnects with a visible countdown, sends
 * ClientMessages and turns BridgeMessages into app state (conversations, messages, lab info,
 * notices). The bridge owns the truth; on every (re)connect its `welcome` replaces what we had.
 */
import { LAB_CLOSED } from '../../core/protocol/close-codes';
import type { ComposeForm, ConnectionSettings, DeliveryAction, DeliverySummary } from '../../core/protocol/delivery';
import type { BridgeMessage, ClientMessage, ErrorCode, LabInfo } from '../../core/protocol/messages';
import { MAX_LINES_PER_PAGE } from '../../core/protocol/pages';
import { pipelinedWrites, writeSpacingMs } from './pipelined-writes';
import type { ConversationSummary, MessageSummary } from '../../core/wire';
import { Conversation } from './conversation.svelte';
import { Deliveries } from './deliveries.svelte';
import { LabWorld } from './lab-world.svelte';
import { ServerSeatState } from './server-seat.svelte';
import { LessonScenario } from './lesson-scenario';
import { ReconnectCountdown } from './reconnect-countdown.svelte';

import type { TerminalServer, TerminalTarget } from '../../core/protocol/terminal-servers';
import type { Scenario } from '../../core/lessons/scenario-schema';
export type { TerminalServer, TerminalTarget };

export type LinkStatus = 'connecting' | 'connected' | 'disconnected';

export interface Notice {
  id: number;
  text: string;
}

interface LabConnectionOptions {
  /** Called when a conversation this page asked for with `openTerminal()` exists. */
  onTerminalOpened?: (conversationId: string) => void;
  /** Called when a delivery this page asked for with `sendCompose()` has started. */
  onDeliveryStarted?: (delivery: DeliverySummary) => void;
  /** Called when the bridge refuses something this page sent with a ref (e.g. an invalid compose). */
  onRefused?: (ref: string, code: ErrorCode, message: string) => void;
}

const MAX_NOTICES = 5;

/** Where the bridge listens: `/ws` on the page's own origin (the CSP allows nothing else). */
function socketUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

/** Kept local so the app bundle does not pull in the bridge-side schema library. */
function unreachable(value: never): never {
  throw new Error(`Unexpected bridge message: ${JSON.stringify(value)}`);
}

export class LabConnection {
  #status = $state<LinkStatus>('connecting');
  #lab = $state.raw<LabInfo | null>(null);
  #conversations = $state.raw<Conversation[]>([]);
  #messages = $state.raw<MessageSummary[]>([]);
  #notices = $state.raw<Notice[]>([]);
  readonly deliveries = new Deliveries();
  readonly world = new LabWorld();
  #terminalServer = $state.raw<TerminalTarget>('welcoming');
  readonly #scenario = new LessonScenario((message) => this.#send(message), () => this.#socket?.readyState === WebSocket.OPEN);
  readonly seat = new ServerSeatState((message) => this.#send(message));

  #socket: WebSocket | null = null;
  readonly #retry = new ReconnectCountdown();
  #noticeCounter = 0;
  #refCounter = 0;
  #openRefs = new Set<string>();
  #composeRefs = new Set<string>();
  #requested = new Set<string>();
  /** Conversations whose older lines were asked for and have not come yet. */
  #loadingEarlier = new Set<string>();
  #options: LabConnectionOptions;

  constructor(options: LabConnectionOptions = {}) {
    this.#options = options;
  }

  get status(): LinkStatus {
    return this.#status;
  }
  get retryInSeconds(): number {
    return this.#retry.secondsLeft;
  }
  get lab(): LabInfo | null {
    return this.#lab;
  }
  /** Newest first. */
  get conversations(): Conversation[] {
    return this.#conversations;
  }
  /** Newest first. */
  get messages(): MessageSummary[] {
    return this.#messages;
  }
  get notices(): Notice[] {
    return this.#notices;
  }

  conversation(id: string | null): Conversation | null {
    return id === null ? null : (this.#conversations.find((c) => c.id === id) ?? null);
  }

  connect(): void {
    this.#retry.clear();
    this.#status = 'connecting';
    const socket = new WebSocket(socketUrl());
    this.#socket = socket;
    socket.addEventListener('open', () => {
      this.#retry.succeeded();
      this.#status = 'connected';
    });
    socket.addEventListener('message', (event) => {
      if (typeof event.data !== 'string') return;
      try {
        this.#dispatch(JSON.parse(event.data) as BridgeMessage);
      } catch (error) {
        this.notify(`Could not handle a message from the bridge: ${(error as Error).message}`);
      }
    });
    socket.addEventListener('close', (event) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      if (event.code === LAB_CLOSED) {
        // Hosted mode closed this lab after it sat unused; connecting again opens a fresh one.
        this.notify('Your lab was closed after sitting unused, and a new, empty one has been opened.');
        this.connect();
        return;
      }
      this.#status = 'disconnected';
      this.#retry.schedule(() => this.connect());
    });
  }

  /** Skip the countdown. */
  reconnectNow(): void {
    this.#socket?.close();
    this.#socket = null;
    this.connect();
  }

  disconnect(): void {
    this.#retry.clear();
    const socket = this.#socket;
    this.#socket = null;
    socket?.close();
    this.#status = 'disconnected';
  }

  /** Ask the bridge for a new terminal conversation; `onTerminalOpened` fires when it exists. */
  /** Which lab server (or world host) Connect opens a terminal to (a lesson sets it to the one it needs). */
  get terminalServer(): TerminalTarget {
    return this.#terminalServer;
  }
  set terminalServer(server: TerminalTarget) {
    this.#terminalServer = server;
  }

  /**
   * `server`: the lab's open port-25 server, lab.test's MX, the submission server, or `{ host }`
   * straight to a mail host of the world; it sticks.
   */
  openTerminal(server?: TerminalTarget): void {
    if (server) this.#terminalServer = server;
    const ref = `open-${++this.#refCounter}`;
    this.#openRefs.add(ref);
    const target = this.#terminalServer;
    this.#send(typeof target === 'string' ? { type: 'terminal.open', ref, server: target } : { type: 'terminal.open', ref, host: target.host });
  }

  /**
   * Set this lab's world for a lesson (its scenario), or back to the lab's own (null). `fresh`:
   * apply it anew even if the lab has it already, putting back what the learner changed (opening
   * or restarting a lesson); false keeps the lab's (a reload). Sent once the link is up if it is
   * not yet. A page that never applied one leaves the lab's world alone.
   */
  applyScenario(scenario: Scenario | null, fresh = true): void {
    this.#scenario.apply(scenario, fresh);
  }

  /** Send exactly one line: CR and LF are stripped so one Enter can never send two commands. */
  sendLine(conversation: string, text: string): void {
    this.#send({ type: 'terminal.line', conversation, text: text.replace(/[\r\n]/g, '') });
  }

  /**
   * Several lines without waiting for replies: pipelining (RFC 2920). All of them are sent, in
   * writes of at most MAX_PIPELINED_LINES lines each (what one bridge message may carry); on a
   * hosted lab, which limits commands a second, paced to stay within it.
   */
  sendLines(conversation: string, lines: readonly string[]): void {
    const writes = pipelinedWrites(lines.map((line) => line.replace(/[\r\n]/g, '')));
    const spacing = writeSpacingMs(this.#lab?.hosted?.commandsPerSecond);
    const next = (at: number) => {
      const chunk = writes[at];
      // A write that cannot go (the link dropped) stops the rest: said once, by #send.
      if (!chunk || !this.#send({ type: 'terminal.lines', conversation, lines: chunk })) return;
      if (spacing === 0) next(at + 1);
      else setTimeout(() => next(at + 1), spacing);
    };
    next(0);
  }

  /** Ask the bridge for the page of lines before those this page has (opening or scrolling up a long conversation). */
  loadEarlier(id: string): void {
    const conversation = this.conversation(id);
    if (!conversation || conversation.earlier === 0 || this.#loadingEarlier.has(id)) return;
    this.#loadingEarlier.add(id);
    this.#send({ type: 'conversation.lines', conversation: id, before: conversation.firstLine, limit: MAX_LINES_PER_PAGE });
  }

  closeTerminal(conversation: string): void {
    this.#send({ type: 'terminal.close', conversation });
  }

  /** Ask the bridge's nodemailer to send this email; returns the ref its delivery.started will carry. */
  sendCompose(compose: ComposeForm, connection: ConnectionSettings, mode: 'step' | 'instant', stepHops = false): string | null {
    const ref = `compose-${++this.#refCounter}`;
    if (!this.#send({ type: 'compose.send', ref, compose, connection, mode, ...(mode === 'step' ? { stepHops } : {}) })) return null;
    this.#composeRefs.add(ref);
    return ref;
  }

  controlDelivery(delivery: string, action: DeliveryAction, intervalMs?: number): void {
    this.#send({ type: 'delivery.control', delivery, action, ...(intervalMs !== undefined ? { intervalMs } : {}) });
  }

  /** Move the lab clock forward: deferred mail whose retry falls due is retried now. */
  advanceClock(ms: number): void {
    this.#send({ type: 'clock.advance', ms: Math.max(1, Math.round(ms)) });
  }

  notify(text: string): void {
    const notice = { id: ++this.#noticeCounter, text };
    this.#notices = [...this.#notices, notice].slice(-MAX_NOTICES);
  }

  dismiss(id: number): void {
    this.#notices = this.#notices.filter((n) => n.id !== id);
  }

  #send(message: ClientMessage): boolean {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      this.notify('Not connected to the lab bridge; wait for the connection to come back and try again.');
      return false;
    }
    socket.send(JSON.stringify(message));
    return true;
  }

  #dispatch(message: BridgeMessage): void {
    switch (message.type) {
      case 'welcome':
        this.#requested.clear();
        this.#loadingEarlier.clear();
        this.#lab = message.lab;
        this.#conversations = sortNewestFirst(message.conversations.map((d) => Conversation.fromDetail(d)));
        this.#messages = [...message.messages].sort((a, b) => b.receivedAt - a.receivedAt);
        this.deliveries.reset(message.deliveries, message.gates);
        this.world.reset(message);
        this.#scenario.flush();
        this.seat.setInfo(message.seat ?? null);
        return;
      case 'world.event':
      case 'clock':
      case 'world.changed':
      case 'zone.changed':
        this.world.receive(message);
        return;
      case 'delivery.started':
        this.deliveries.upsert(message.delivery);
        if (message.ref !== undefined && this.#composeRefs.delete(message.ref)) {
          this.#options.onDeliveryStarted?.(message.delivery);
        }
        return;
      case 'delivery.gate':
        this.deliveries.gate(message.gate);
        return;
      case 'delivery.finished':
        this.deliveries.upsert(message.delivery);
        return;
      case 'conversation.started':
        this.#ensureConversation(message.conversation);
        return;
      case 'conversation.ended':
        this.conversation(message.id)?.markEnded(message.endedAt, message.state);
        return;
      case 'conversation.detail': {
        const existing = this.conversation(message.conversation.id);
        if (existing) {
          const { lines, earlier, firstLine, ...summary } = message.conversation;
          existing.updateSummary(summary);
          existing.replaceLines(lines, { earlier, firstLine });
        } else {
          this.#add(Conversation.fromDetail(message.conversation));
        }
        return;
      }
      case 'conversation.lines':
        this.#loadingEarlier.delete(message.conversation.id);
        this.conversation(message.conversation.id)?.prepend(message.conversation);
        return;
      case 'wire': {
        const existing = this.conversation(message.event.conversation);
        if (existing) {
          existing.push(message.event);
        } else {
          // We missed its start (e.g. it began while we reconnected): fetch it whole, once.
          const id = message.event.conversation;
          if (!this.#requested.has(id)) {
            this.#requested.add(id);
            this.#send({ type: 'conversation.get', conversation: id });
          }
        }
        return;
      }
      case 'message.stored':
        this.#messages = [message.message, ...this.#messages.filter((m) => m.id !== message.message.id)];
        this.world.noteMessage(message.message);
        return;
      case 'messages.dropped': {
        const gone = new Set(message.ids);
        const copies = new Set(message.mailboxCopies ?? []);
        this.#messages = this.#messages.filter((m) => (m.mailbox === null ? !gone.has(m.id) : !copies.has(m.id)));
        if (message.conversations?.length) {
          const forgotten = new Set(message.conversations);
          this.#conversations = this.#conversations.filter((c) => !forgotten.has(c.id));
        }
        // Said once while it stands, not once per message of a chatty app.
        if (!this.#notices.some((n) => n.text === message.reason)) this.notify(message.reason);
        return;
      }
      case 'seat.opened':
      case 'seat.client':
      case 'seat.started':
        this.seat.receive(message);
        return;
      case 'terminal.opened':
        this.#ensureConversation(message.conversation);
        if (message.ref !== undefined && this.#openRefs.delete(message.ref)) {
          this.#options.onTerminalOpened?.(message.conversation.id);
        }
        return;
      case 'zone':
      case 'zone.refused':
      case 'zone.key':
        // Answers to other clients of the protocol: the zone editor speaks the JSON API.
        return;
      case 'error':
        if (message.ref !== undefined) {
          this.#openRefs.delete(message.ref);
          if (this.seat.refused(message.ref, message.message)) return;
          // A refused compose is shown beside the form, where the learner can fix it.
          if (this.#composeRefs.delete(message.ref) && this.#options.onRefused) {
            this.#options.onRefused(message.ref, message.code, message.message);
            return;
          }
        }
        this.notify(describeError(message.code, message.message));
        return;
      default:
        unreachable(message);
    }
  }

  #ensureConversation(summary: ConversationSummary): void {
    if (!this.conversation(summary.id)) this.#add(new Conversation(summary));
  }

  #add(conversation: Conversation): void {
    this.#conversations = sortNewestFirst([conversation, ...this.#conversations]);
  }
}

function sortNewestFirst(conversations: Conversation[]): Conversation[] {
  return conversations.sort((a, b) => b.summary.startedAt - a.summary.startedAt);
}

function describeError(code: ErrorCode, message: string): string {
  if (code === 'not-connected') return `That SMTP connection is closed. ${message}`;
  if (code === 'unknown-conversation') return `The bridge does not know that conversation. ${message}`;
  if (code === 'unknown-delivery') return `The bridge does not know that delivery (it may have ended). ${message}`;
  return message;
}
