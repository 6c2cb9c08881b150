/**
 * The behaviour the session machine's config refers to by name: one parameterized guard
 * (`answers`) for every reply transition, a few guards that decide how a client line is read,
 * and `assign` actions that keep the context. No I/O here: the machine only mirrors the wire.
 */
import { assign, setup } from 'xstate';
import { parseCommand } from '../smtp/command';
import { CRLF_OCTETS, utf8Length } from '../smtp/limits';
import {
  ANY_VERB, AUTH_RESPONSE, END_OF_DATA, GREETING, bdatChunk, codesMatch, commandKey, offersChunking,
  type AnswersParams, type PendingCommand, type SessionContext, type SessionEvent,
} from './session-model';

/** Add a line to the queue and keep the high-water mark for the pipelining lesson. */
function enqueue(context: SessionContext, command: PendingCommand): Partial<SessionContext> {
  const pending = [...context.pending, command];
  const waiting = pending.filter((p) => p.verb !== GREETING).length;
  return { pending, commandsBeforeReply: Math.max(context.commandsBeforeReply, waiting) };
}

/**
 * A command line: queued by its verb. A BDAT announces how many octets of chunk data follow, but
 * only to a server that advertised CHUNKING: any other reads the next line as a command again.
 */
function queueCommandLine(context: SessionContext, line: string, cut?: number): Partial<SessionContext> {
  const parsed = parseCommand(line);
  const chunk = parsed.verb === 'BDAT' && offersChunking(context) ? bdatChunk(parsed.argument) : null;
  return { ...enqueue(context, withCut({ verb: parsed.verb, line }, cut)), bdatRemaining: chunk?.size ?? 0 };
}

/** What the tap left out of a line stays with it, so whatever answers the line can say so. */
function withCut(command: PendingCommand, cut: number | undefined): PendingCommand {
  return cut ? { ...command, cut } : command;
}

/**
 * Lines pipelined behind a command were queued before the server had said how it reads them. Its
 * reply decides: after a 334 to AUTH (or to an AUTH response) the next line is an AUTH response,
 * after anything else it is a command; after a 354 to DATA the lines up to the lone "." are
 * message content and the "." ends it. Only the reply's own successor needs settling: the next
 * reply settles the one after.
 */
function readAfter(answered: PendingCommand, code: number, rest: PendingCommand[]): PendingCommand[] {
  const next = rest[0];
  if (!next) return rest;
  const challenged = code === 334 && (answered.verb === 'AUTH' || answered.verb === AUTH_RESPONSE);
  if (challenged && next.verb !== AUTH_RESPONSE) return [{ ...next, verb: AUTH_RESPONSE }, ...rest.slice(1)];
  if (!challenged && next.verb === AUTH_RESPONSE) return [{ ...next, verb: parseCommand(next.line).verb }, ...rest.slice(1)];
  if (answered.verb === 'DATA' && code === 354) {
    const end = rest.findIndex((line) => line.line === END_OF_DATA);
    // Content with no "." yet: the data state reads what follows; nothing here was a command.
    const dot = rest[end];
    return dot ? [{ ...dot, verb: END_OF_DATA }, ...rest.slice(end + 1)] : [];
  }
  return rest;
}

const TRANSACTION_CLEARED = { reversePath: null, recipients: [] } satisfies Partial<SessionContext>;

/** The event, if it is of `type`; anything else is a wiring mistake in the machine's config. */
function eventOf<T extends SessionEvent['type']>(event: SessionEvent, type: T): Extract<SessionEvent, { type: T }> {
  if (event.type !== type) throw new Error(`Expected event ${JSON.stringify(type)}, got ${JSON.stringify(event.type)}`);
  return event as Extract<SessionEvent, { type: T }>;
}

export type SessionGuard = (context: SessionContext, event: SessionEvent, params: AnswersParams) => boolean;
export type SessionAssignment = (context: SessionContext, event: SessionEvent) => Partial<SessionContext>;

/**
 * The guards, as plain functions of context and event: the XState setup below wraps them, and the
 * session stepper calls them directly, so both run exactly the same rules.
 */
export const SESSION_GUARDS = {
  /** Does this reply answer `params.verb` with one of `params.codes`? */
  answers: (context, event, params) => {
    if (event.type !== 'server.reply' || !codesMatch(params.codes, event.reply.code)) return false;
    if (params.verb === ANY_VERB) return true;
    const oldest = context.pending[0];
    return oldest !== undefined && commandKey(oldest) === params.verb;
  },
  /** Is the client still sending the octets a BDAT announced? */
  isChunkData: (context) => context.bdatRemaining > 0,
  /** Is this the lone "." that ends DATA content (RFC 5321 §4.1.1.4)? */
  isEndOfData: (_context, event) => event.type === 'client.line' && event.text === '.' && !event.unframed,
  /** Has the "." already been sent, so that further lines are pipelined commands? */
  isAfterEndOfData: (context) => context.pending.some((p) => p.verb === END_OF_DATA),
} satisfies Record<string, SessionGuard>;

/** The actions: each says which context fields change. XState's `assign` and the stepper both merge them. */
export const SESSION_ASSIGNMENTS = {
  queueCommand: (context, event) => {
    const line = eventOf(event, 'client.line');
    return queueCommandLine(context, line.text, line.cut);
  },
  queueEndOfData: (context) => enqueue(context, { verb: END_OF_DATA, line: '.' }),
  queueAuthResponse: (context, event) => {
    const line = eventOf(event, 'client.line');
    return enqueue(context, withCut({ verb: AUTH_RESPONSE, line: line.text }, line.cut));
  },
  /** Count a line (and its CRLF) against the chunk; if the chunk ends inside it, the rest is a command. */
  consumeChunk: (context, event) => {
    const line = eventOf(event, 'client.line');
    const octets = utf8Length(line.text) + (line.cut ?? 0) + CRLF_OCTETS;
    if (context.bdatRemaining >= octets) return { bdatRemaining: context.bdatRemaining - octets };
    const rest = line.text.slice(context.bdatRemaining);
    if (context.bdatRemaining >= line.text.length || rest === '') return { bdatRemaining: 0 };
    return queueCommandLine({ ...context, bdatRemaining: 0 }, rest, line.cut);
  },
  /**
   * Every reply starts here: it answers the oldest pending line, or nothing at all. The reply
   * also says how the server reads the line pipelined right behind it (see `readAfter`).
   */
  takeReply: (context, event) => {
    const { code, enhanced, lines } = eventOf(event, 'server.reply').reply;
    const [answered, ...rest] = context.pending;
    const changes: Partial<SessionContext> = {
      pending: answered ? readAfter(answered, code, rest) : rest,
      answered: answered ?? null,
      lastReply: { code, enhanced, text: lines.join('\n') },
      unexpectedReplies: context.unexpectedReplies + (answered ? 0 : 1),
    };
    // A reply to BDAT comes after its chunk, or at once when the server will not read one.
    if (answered?.verb === 'BDAT') changes.bdatRemaining = 0;
    return changes;
  },
  /** EHLO 250: lines 2..n of the reply are the extensions (RFC 5321 §4.1.1.1). */
  rememberEhlo: (context, event) => {
    const extensions = eventOf(event, 'server.reply').reply.lines.slice(1).map((line) => {
      const [keyword = '', ...rest] = line.trim().split(/\s+/);
      return [keyword.toUpperCase(), ...rest].join(' ');
    });
    const domain = context.answered ? parseCommand(context.answered.line).domain : null;
    return { esmtp: true, extensions, clientDomain: domain };
  },
  rememberHelo: (context) => ({
    esmtp: false,
    extensions: [],
    clientDomain: context.answered ? parseCommand(context.answered.line).domain : null,
  }),
  resetTransaction: () => TRANSACTION_CLEARED,
  setReversePath: (context) => ({
    reversePath: context.answered ? (parseCommand(context.answered.line).path ?? '') : '',
    recipients: [],
  }),
  addRecipient: (context) => {
    const path = context.answered ? parseCommand(context.answered.line).path : null;
    return { recipients: path === null ? context.recipients : [...context.recipients, path] };
  },
  recordDelivery: (_context, event) => {
    const { code, lines } = eventOf(event, 'server.reply').reply;
    return { lastDelivery: { accepted: code >= 200 && code < 300, code, text: lines.join('\n') } };
  },
  markAuthenticated: () => ({ authenticated: true }),
  /** RFC 3207 §4.2: after the handshake the client knows nothing it learned in plaintext. */
  startOverWithTls: () => ({
    ...TRANSACTION_CLEARED,
    tls: true,
    esmtp: false,
    extensions: [],
    clientDomain: null,
    pending: [],
    bdatRemaining: 0,
  }),
} satisfies Record<string, SessionAssignment>;

type AssignmentName = keyof typeof SESSION_ASSIGNMENTS;
const assignmentAction = (name: AssignmentName) => assign<SessionContext, SessionEvent, undefined, SessionEvent, never>(({ context, event }) => SESSION_ASSIGNMENTS[name](context, event));

export const sessionSetup = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
  },
  guards: {
    answers: ({ context, event }, params: AnswersParams) => SESSION_GUARDS.answers(context, event, params),
    isChunkData: ({ context }) => SESSION_GUARDS.isChunkData(context),
    isEndOfData: ({ context, event }) => SESSION_GUARDS.isEndOfData(context, event),
    isAfterEndOfData: ({ context }) => SESSION_GUARDS.isAfterEndOfData(context),
  },
  actions: {
    queueCommand: assignmentAction('queueCommand'),
    queueEndOfData: assignmentAction('queueEndOfData'),
    queueAuthResponse: assignmentAction('queueAuthResponse'),
    consumeChunk: assignmentAction('consumeChunk'),
    takeReply: assignmentAction('takeReply'),
    rememberEhlo: assignmentAction('rememberEhlo'),
    rememberHelo: assignmentAction('rememberHelo'),
    resetTransaction: assignmentAction('resetTransaction'),
    setReversePath: assignmentAction('setReversePath'),
    addRecipient: assignmentAction('addRecipient'),
    recordDelivery: assignmentAction('recordDelivery'),
    markAuthenticated: assignmentAction('markAuthenticated'),
    startOverWithTls: assignmentAction('startOverWithTls'),
  },
});

/** The actions a reply transition may run after `takeReply`. */
export type ReplyActionName =
  | 'rememberEhlo' | 'rememberHelo' | 'resetTransaction' | 'setReversePath'
  | 'addRecipient' | 'recordDelivery' | 'markAuthenticated';
