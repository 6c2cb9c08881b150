/**
 * The browser <-> bridge protocol: one module both ends import.
 * Client messages are validated at the bridge boundary (byte size -> safe JSON parse -> schema);
 * bridge messages are trusted by the app (same origin, same build).
 */
import { z } from 'zod';
import type { ConversationDetail, ConversationSummary, MessageSummary, WireEvent } from '../wire';
import type { MailboxSummary, WorldDescription, WorldEvent } from '../world/world-events';
import { TERMINAL_SERVERS } from './terminal-servers';
import { TAMPER_MODES } from '../world/tamper';
import { scenarioSchema, worldHostSchema } from '../lessons/scenario-schema';
import {
  DELIVERY_ACTIONS,
  composeSchema,
  connectionSchema,
  type DeliverySummary,
  type GateState,
} from './delivery';
import { MAX_LINES_PER_PAGE } from './pages';
import { PREPARED_MESSAGE_IDS, SEAT_CLIENTS, type SeatClientReport, type SeatInfo } from './seat';
import { MAX_ZONE_RECORDS, type DkimKeyOffer, type LearnerZone, type ZoneError } from '../world/learner-zone';
import { MAX_PIPELINED_LINES, MAX_TERMINAL_LINE } from './terminal-limits';

/**
 * Largest client message the bridge reads; a bigger one is answered with a `too-large` error.
 * Room for a compose message with its attachments (base64) and bodies.
 */
export const MAX_CLIENT_MESSAGE_BYTES = 4 * 1024 * 1024;
/**
 * ws's maxPayload: frames past this are not even buffered and the socket is closed with 1009
 * (Message Too Big). It sits above MAX_CLIENT_MESSAGE_BYTES so that a message a little too large
 * still gets an error reply the page can show.
 */
export const WS_MAX_PAYLOAD_BYTES = 2 * MAX_CLIENT_MESSAGE_BYTES;
export { MAX_PIPELINED_LINES, MAX_TERMINAL_LINE } from './terminal-limits';

const ref = z.string().max(64).optional();

/** A DKIM selector the learner may name: one DNS label. */
export const dkimSelectorSchema = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i, 'a selector is one DNS label: letters, digits and hyphens');
/** What asks the lab for a new DKIM key. */
export const dkimKeyRequestSchema = z.object({ algorithm: z.enum(['ed25519', 'rsa']), selector: dkimSelectorSchema.optional() });

const conversationId = z.string().min(1).max(64);
/** Lines sent in one write: a pipelined batch of commands, or a reply of several lines. */
const lineBatch = z.array(z.string().max(MAX_TERMINAL_LINE)).min(1).max(MAX_PIPELINED_LINES);

export const clientMessageSchema = z.discriminatedUnion('type', [
  /**
   * Open a new terminal conversation with a lab SMTP server: the welcoming port-25 one (default),
   * or the strict submission one (STARTTLS, then AUTH before MAIL) a lesson may ask for; with
   * `host`, straight to that mail host of the world instead, as the lab's relay would (be the MTA).
   */
  z.object({ type: z.literal('terminal.open'), ref, server: z.enum(TERMINAL_SERVERS).optional(), host: worldHostSchema.optional() }),
  /** Send one line; CR and LF are stripped by the bridge as well as by the app. */
  z.object({
    type: z.literal('terminal.line'),
    ref,
    conversation: conversationId,
    text: z.string().max(MAX_TERMINAL_LINE),
  }),
  /**
   * Send several lines in one write, without waiting for replies in between: pipelining
   * (RFC 2920). Each line has its CR and LF stripped, as with terminal.line.
   */
  z.object({
    type: z.literal('terminal.lines'),
    ref,
    conversation: conversationId,
    lines: lineBatch,
  }),
  /** Drop the connection without QUIT. */
  z.object({ type: z.literal('terminal.close'), ref, conversation: conversationId }),
  /** Ask for one conversation with its newest lines (a page: older ones with conversation.lines). */
  z.object({ type: z.literal('conversation.get'), ref, conversation: conversationId }),
  /** Ask for the lines of a conversation before line number `before` (its `firstLine` so far), newest first. */
  z.object({
    type: z.literal('conversation.lines'),
    ref,
    conversation: conversationId,
    before: z.number().int().min(0),
    limit: z.number().int().min(1).max(MAX_LINES_PER_PAGE).optional(),
  }),
  /** Send an email with the bridge's nodemailer: held at every client unit (step) or at once (instant). */
  z.object({
    type: z.literal('compose.send'),
    ref,
    compose: composeSchema,
    connection: connectionSchema,
    mode: z.enum(['step', 'instant']),
    /** Step: hold the relay hops that carry the mail on at gates too; otherwise they run by themselves. */
    stepHops: z.boolean().optional(),
  }),
  /**
   * Set this lab's world for a lesson: its scenario (records and hosts changed, messages seeded), or
   * null for the lab's own world. Whatever the last one changed or seeded is undone first.
   * `fresh: false` leaves the lab as it is when it has this scenario already (a page reloaded).
   */
  z.object({ type: z.literal('scenario.apply'), ref, scenario: scenarioSchema.nullable(), fresh: z.boolean().optional() }),
  /** Move the lab clock forward: deferred mail whose retry falls due is retried now, in order. */
  z.object({ type: z.literal('clock.advance'), ref, ms: z.number().int().min(1).max(7 * 24 * 3600 * 1000) }),
  /** The learner's domain: its records now (answered with `zone`). */
  z.object({ type: z.literal('zone.get'), ref }),
  /**
   * Replace the learner's records as a whole (answered with `zone`), or change nothing and be told
   * every bad record and why (`zone.refused`). Records are checked by the zone's own rules, not here.
   * `mtaSts`: the MTA-STS policy file ({ mode, mx, maxAge }, or null for none); left out, it is kept.
   */
  z.object({ type: z.literal('zone.put'), ref, records: z.array(z.unknown()).max(MAX_ZONE_RECORDS), mtaSts: z.unknown().optional() }),
  /** Back to the working set the lab started with. */
  z.object({ type: z.literal('zone.reset'), ref }),
  /** A new DKIM key (answered with `zone.key`): the lab signs with it at once, its record is published when saved. */
  dkimKeyRequestSchema.extend({ type: z.literal('zone.key'), ref }),
  /** Tamper in transit on a world host, for this lab alone (every page hears `world.changed`). */
  z.object({ type: z.literal('world.tamper'), ref, host: z.string().min(1).max(253), mode: z.enum(TAMPER_MODES) }),
  /** Next, Play (at intervalMs), Pause, Run to end, Abort. */
  z.object({
    type: z.literal('delivery.control'),
    ref,
    delivery: z.string().min(1).max(64),
    action: z.enum(DELIVERY_ACTIONS),
    intervalMs: z.number().int().min(50).max(10_000).optional(),
  }),
  /** Be the server: open (or close) the learner's listener, whose replies the learner types. */
  z.object({ type: z.literal('seat.open'), ref }),
  z.object({ type: z.literal('seat.close'), ref }),
  /** Start a real client against the seat: nodemailer with a prepared message, or the lab's relay. */
  z.object({ type: z.literal('seat.start'), ref, client: z.enum(SEAT_CLIENTS), message: z.enum(PREPARED_MESSAGE_IDS) }),
  /** The learner's reply (one or more lines, a multi-line reply or several replies); checked, then sent as typed. */
  z.object({ type: z.literal('seat.reply'), ref, conversation: conversationId, lines: lineBatch }),
  /** Drop the client's connection without a reply, as a crashing server would. */
  z.object({ type: z.literal('seat.hangup'), ref, conversation: conversationId }),
]);

export type ClientMessage = z.infer<typeof clientMessageSchema>;

export interface LabInfo {
  /** Where outside clients reach the lab's SMTP server. */
  smtp: { host: string; port: number };
  /** The implicit-TLS submission port (the 465 role) for outside clients. */
  smtps: { host: string; port: number };
  /** Demo credentials, shown in the UI on purpose; in hosted mode the lab's own account. */
  credentials: { user: string; pass: string };
  /** The advertised SIZE limit in bytes. */
  maxMessageSize: number;
  /** The learner's own domain, whose records the learner edits (learner.test; hosted: one of each lab's own). */
  learnerDomain: string;
  /**
   * Hosted mode: this lab is one browser's own (its id is in a cookie), outside clients reach it
   * only with its credentials, and it closes after `idleMinutes` unused. It takes at most
   * `commandsPerSecond` WebSocket commands a second (a long paste is paced to it).
   */
  hosted?: { idleMinutes: number; maxMessages: number; maxOpenConversations: number; commandsPerSecond: number };
}

export type ErrorCode =
  | 'too-large'
  | 'bad-json'
  | 'bad-message'
  | 'unknown-conversation'
  | 'unknown-delivery'
  | 'not-connected'
  | 'invalid-compose'
  | 'limit'
  | 'rate-limited'
  /** A reply typed in Be the server that is not valid SMTP: refused, never sent. */
  | 'invalid-reply'
  | 'internal';

export type BridgeMessage =
  | {
      type: 'welcome';
      lab: LabInfo;
      /** Every conversation kept, each with its newest lines only (`earlier` says how many more there are). */
      conversations: ConversationDetail[];
      messages: MessageSummary[];
      deliveries: DeliverySummary[];
      /** Where each delivery still running stands at its gate: a page that joins mid-step sees what is held. */
      gates: GateState[];
      /** The mail world: domains, MX records, hosts and their behaviour. */
      world: WorldDescription;
      mailboxes: MailboxSummary[];
      /** Recent world events (queue, lookups, hops, recipients, bounces), oldest first. */
      worldEvents: WorldEvent[];
      /** The lab clock (epoch ms); it runs with real time and jumps when advanced. */
      clock: number;
      /** The learner's server seat, when it is open. */
      seat?: SeatInfo | null;
    }
  /** The seat opened (or closed: null); every page of the lab hears it. */
  | { type: 'seat.opened'; ref?: string; seat: SeatInfo | null }
  | { type: 'seat.started'; ref?: string; run: string }
  /** A client started against the seat finished: what it reported. */
  | { type: 'seat.client'; report: SeatClientReport }
  | { type: 'world.event'; event: WorldEvent }
  /** The world's records or hosts changed (a lesson's scenario applied or undone); its mailboxes now, seeded ones in or out. */
  | { type: 'world.changed'; world: WorldDescription; mailboxes: MailboxSummary[] }
  | { type: 'clock'; ref?: string; now: number }
  | { type: 'delivery.started'; ref?: string; delivery: DeliverySummary }
  | { type: 'delivery.gate'; gate: GateState }
  | { type: 'delivery.finished'; delivery: DeliverySummary }
  | { type: 'conversation.started'; conversation: ConversationSummary }
  | { type: 'conversation.ended'; id: string; endedAt: number; state: string }
  | { type: 'conversation.detail'; ref?: string; conversation: ConversationDetail }
  /** A page of older lines, answering conversation.lines: `conversation.lines` come before what the page had. */
  | { type: 'conversation.lines'; ref?: string; conversation: ConversationDetail }
  | { type: 'wire'; event: WireEvent }
  | { type: 'message.stored'; message: MessageSummary }
  /**
   * Records forgotten to stay within the lab's limits, oldest first; `reason` says which limit.
   * `ids`: accepted messages; past the lab's memory budget also mailbox copies and conversations.
   */
  | { type: 'messages.dropped'; ids: string[]; reason: string; mailboxCopies?: string[]; conversations?: string[] }
  | { type: 'terminal.opened'; ref?: string; conversation: ConversationSummary }
  /** The learner's domain and its records as published now. */
  | { type: 'zone'; ref?: string; zone: LearnerZone }
  /** A zone.put refused whole: each bad record, its place in what was sent, and why. */
  | { type: 'zone.refused'; ref?: string; errors: ZoneError[] }
  | { type: 'zone.key'; ref?: string; key: DkimKeyOffer }
  /** The learner's records changed (the API, a page, a lesson, a reset): every page of that lab, and only that lab, hears it. */
  | { type: 'zone.changed'; zone: LearnerZone }
  | { type: 'error'; ref?: string; code: ErrorCode; message: string };

export type ParseResult =
  | { ok: true; message: ClientMessage }
  | { ok: false; code: ErrorCode; message: string; ref?: string };

/** UTF-8 length of a string, without TextEncoder (core has neither Node nor DOM). */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Validate one raw client message in the order: size, JSON, schema. Never throws.
 * `bytes` is the size as received (the bridge knows it before decoding).
 */
export function parseClientMessage(text: string, bytes = utf8ByteLength(text)): ParseResult {
  if (bytes > MAX_CLIENT_MESSAGE_BYTES) {
    return { ok: false, code: 'too-large', message: `Message of ${bytes} bytes is over the limit of ${MAX_CLIENT_MESSAGE_BYTES}.` };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad-json', message: 'Message is not valid JSON.' };
  }
  const result = clientMessageSchema.safeParse(data);
  if (!result.success) {
    const maybeRef = typeof data === 'object' && data !== null && typeof (data as { ref?: unknown }).ref === 'string'
      ? ((data as { ref: string }).ref).slice(0, 64)
      : undefined;
    const issue = result.error.issues[0];
    const where = issue && issue.path.length ? ` at ${issue.path.join('.')}` : '';
    return { ok: false, code: 'bad-message', message: `Message rejected${where}: ${issue?.message ?? 'invalid'}.`, ref: maybeRef };
  }
  return { ok: true, message: result.data };
}

/** Exhaustiveness check for switches over message types. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected message: ${JSON.stringify(value)}`);
}
