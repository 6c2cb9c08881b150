/**
 * What a running lab offers to the HTTP/WebSocket layer. The lab owns the SMTP servers, the taps,
 * the conversations and the captured messages; the web layer only relays.
 */
import type { TamperMode } from '../../core/world/tamper';
import type { LearnerDomain } from '../world/learner-domain';
import type { ConversationDetail, ConversationSummary, MessageSummary, WireEvent } from '../../core/wire';
import type { InboxChores } from './inbox-chores';
import type { SearchQuery } from '../../core/search/search-query';
import type { SearchMatch } from '../search/lab-search';
import type { MailboxSummary, WorldDescription, WorldEvent } from '../../core/world/world-events';
import type { LearnerZone } from '../../core/world/learner-zone';
import type { LabInfo } from '../../core/protocol/messages';
import type { SeatClientReport, SeatInfo } from '../../core/protocol/seat';
import type { ServerSeat } from '../seat/server-seat';
import type { TapEvent } from '../tap/line-tap';
import type { Scenario } from '../../core/lessons/scenario-schema';
import type { LinePage } from './conversations';
import type { SessionTarget } from './smtp-server';
import type {
  ComposeForm,
  ConnectionSettings,
  DeliveryAction,
  DeliverySummary,
  GateState,
} from '../../core/protocol/delivery';


export interface SendOptions {
  /** Step mode: hold the relay hops that carry the mail on too, each at a gate of its own. */
  stepHops?: boolean;
}

export interface LabEvents {
  'conversation.started': (conversation: ConversationSummary) => void;
  wire: (event: WireEvent) => void;
  'conversation.ended': (id: string, endedAt: number, state: string) => void;
  /**
   * A message was kept. Its list entry reads the headers, so it comes as a function: a listener
   * with no page to show it to does not pay for it.
   */
  'message.stored': (summary: () => MessageSummary) => void;
  'delivery.started': (delivery: DeliverySummary) => void;
  'delivery.gate': (gate: GateState) => void;
  'delivery.finished': (delivery: DeliverySummary) => void;
  /** Something happened to mail after its 250: queued, looked up, relayed, deferred, stored, bounced. */
  'world.event': (event: WorldEvent) => void;
  /** The world's records or hosts changed (a lesson's scenario applied or undone), and its mailboxes now. */
  'world.changed': (world: WorldDescription, mailboxes: MailboxSummary[]) => void;
  /** The learner's zone changed, however it was changed: the records published now. */
  'zone.changed': (zone: LearnerZone) => void;
  /** The lab clock jumped (fast-forward); epoch ms. */
  clock: (now: number) => void;
  /** The learner's server seat opened (its address) or closed (null). */
  'seat.opened': (seat: SeatInfo | null) => void;
  /** A client started against the seat finished: what it reported. */
  'seat.client': (report: SeatClientReport) => void;
  /**
   * Stored messages forgotten to stay within the lab's limits, oldest first; with the lab's
   * budget, also mailbox copies and whole conversations.
   */
  'messages.dropped': (ids: string[], reason: string, also?: { mailboxCopies: string[]; conversations: string[] }) => void;
}

/** Which lab server a terminal talks to: the welcoming port-25 one, or the strict submission one. */
import type { TerminalServer } from '../../core/protocol/terminal-servers';
export type TerminalServerRole = TerminalServer;

/** A compose form the lab refused before sending anything; `message` says what to fix. */
export class ComposeError extends Error {}

/** No delivery with that id (or it has ended and its gate is gone). */
export class UnknownDeliveryError extends Error {}

/** A terminal asked for a world host that is down, or that the world does not have. */
export class UnreachableHostError extends Error {}

/** A per-lab limit was reached; `message` says which and what to do. */
export class LabLimitError extends Error {}

/** An outside client's conversation, handed to the lab it authenticated for (hosted mode). */
export interface AdoptedConversation {
  readonly id: string;
  record(event: TapEvent): void;
  end(): void;
  /** Where its messages go. */
  readonly target: SessionTarget;
}

export interface TerminalSession {
  readonly conversation: ConversationSummary;
  /** Send one line as typed (CR/LF are stripped). Rejects if the connection is closed. */
  send(line: string): void;
  /** Send several lines in one write without waiting for replies: pipelining (RFC 2920). */
  sendMany(lines: readonly string[]): void;
  /** Drop the connection without QUIT. */
  close(): void;
  readonly closed: boolean;
}

export interface Lab {
  readonly info: LabInfo;
  /** The lab CA certificate (PEM). The private key never leaves the lab. */
  readonly caPem: string;
  /** Address the outside-client SMTP listener is bound to. */
  readonly smtpAddress: { host: string; port: number };
  /** Address of the implicit-TLS listener (the 465 role) for outside clients. */
  readonly smtpsAddress: { host: string; port: number };

  listConversations(): ConversationSummary[];
  getConversation(id: string): ConversationDetail | undefined;
  /** Bytes the lab keeps now, and its budget (--max-lab-mb). */
  kept(): { bytes: number; maxBytes: number };
  /** One page of a conversation's lines, the newest before `page.before` (see Conversation.page). */
  conversationPage(id: string, page: LinePage): ConversationDetail | undefined;
  /**
   * Messages as the lab's servers accepted them (mailbox null), then recent mailbox deliveries
   * (mailbox set, envelopeTo = [mailbox]).
   */
  listMessages(): MessageSummary[];
  /** Raw source as received (accepted or delivered into a mailbox), or undefined. */
  getRawMessage(id: string): Buffer | undefined;

  /**
   * Open a terminal conversation: a real SMTP client connection from the bridge to a lab server
   * (default welcoming), or `{ host }` straight to a mail host of the world, dialled as the lab's
   * relay would (be the MTA). Throws UnreachableHostError for a host that refuses connections.
   */
  openTerminal(target?: TerminalServerRole | { host: string }): Promise<TerminalSession>;

  /**
   * Apply a lesson's scenario to this lab's world alone (null: the lab's own world): what the last
   * one changed or seeded is undone first. `fresh: false` changes nothing when the lab has this
   * scenario already (a page reloaded mid-lesson).
   */
  applyScenario(scenario: Scenario | null, options?: { fresh?: boolean }): void;

  /** Be the server: the learner's listener, whose replies the learner types. */
  readonly seat: ServerSeat;

  /** The mail world: domains, MX records, hosts and their behaviour (GET /api/world). */
  describeWorld(): WorldDescription;
  /** The learner's own domain: its records and DKIM keys (GET/PUT /api/world/domains/<domain>/records). */
  readonly learnerDomain: LearnerDomain;
  /** The MTA-STS policy file a lab domain serves (GET /api/world/mta-sts/<domain>), or null. */
  mtaStsPolicy(domain: string): string | null;
  /** Tamper in transit on a world host, for this lab alone; every page hears the changed world. Throws for an unknown host. */
  setTamper(host: string, mode: TamperMode): void;
  listMailboxes(): MailboxSummary[];
  /** Delete and read state of mailbox copies (the inbox chores). */
  readonly inbox: InboxChores;
  /** Mailbox copies and conversations that match, oldest first (GET /api/search). */
  search(query: SearchQuery): Promise<SearchMatch[]>;
  /** The messages in one mailbox, oldest first; [] for a mailbox that does not exist. */
  mailbox(address: string): MessageSummary[];
  /** Recent world events, oldest first (bounded). */
  worldEvents(): WorldEvent[];
  /** The number of the first event worldEvents() returns: how many came before it (to page by). */
  worldEventsFirst(): number;
  /** The lab clock, epoch ms. */
  clockNow(): number;
  /** Move the lab clock on by `ms`, running every retry and wait that falls due; resolves with the new time. */
  advanceClock(ms: number): Promise<number>;
  /** Resolves when no delivery attempt is running (waits on the lab clock do not count). */
  worldSettled(): Promise<void>;
  /** The relay queue now: messages it holds, and how many of their attempts wait behind a burst of arrivals. */
  relayQueue(): { held: number; waiting: number };

  listDeliveries(): DeliverySummary[];
  /** The gate of every delivery still running (compose deliveries and relay hops alike). */
  listGates(): GateState[];
  /**
   * Send an email with the bridge's nodemailer through a tap to the lab's submission side.
   * Resolves once the delivery has started (its conversation exists), not when it ends.
   * Rejects with ComposeError for a form that cannot be sent (e.g. an attachment over the limit).
   */
  send(compose: ComposeForm, connection: ConnectionSettings, mode: 'step' | 'instant', options?: SendOptions): Promise<DeliverySummary>;
  /** Next, Play, Pause, Run to end, Abort. Throws UnknownDeliveryError. */
  controlDelivery(id: string, action: DeliveryAction, intervalMs?: number): void;

  /** Conversations a learner or a client started that are still open (relay hops not counted). */
  openConversationCount(): number;
  /**
   * Take over an outside client's conversation once it authenticated for this lab, with the lines
   * it already exchanged; `drop` ends its connection if the lab closes first; `reading` is the tap
   * that reads its lines, for the session state. Throws LabLimitError.
   */
  adoptOutside(peer: string, earlier: readonly TapEvent[], drop: () => void, reading: { readonly state: string }): AdoptedConversation;

  on<E extends keyof LabEvents>(event: E, listener: LabEvents[E]): void;
  off<E extends keyof LabEvents>(event: E, listener: LabEvents[E]): void;

  /** Close listeners, the world and every connection. */
  close(): Promise<void>;
}

export interface LabOptions {
  host: string;
  /** 0 = any free port. */
  smtpPort: number;
  /** Implicit TLS (the 465 role); 0 = any free port. */
  smtpsPort: number;
  /** Directory for the lab CA and server certificate (created at first start). */
  stateDir: string;
}
