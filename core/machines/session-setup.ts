/**
 * The behaviour the session machine's config refers to by name: one parameterized guard
 * (`answers`) for every reply transition, a few guards that decide how a client line is read,
 * and `assign` actions that keep the context. No I/O here: the machine only mirrors the wire.
 */
import { assertEvent, assign, setup } from 'xstate';
import { parseCommand } from '../smtp/command';
import {
  ANY_VERB, AUTH_RESPONSE, END_OF_DATA, GREETING, bdatChunk, codesMatch, commandKey, octetsOf,
  type AnswersParams, type PendingCommand, type SessionContext, type SessionEvent,
} from './session-model';

/** Add a line to the queue and keep the high-water mark for the pipelining lesson. */
function enqueue(context: SessionContext, command: PendingCommand): Partial<SessionContext> {
  const pending = [...context.pending, command];
  const waiting = pending.filter((p) => p.verb !== GREETING).length;
  return { pending, commandsBeforeReply: Math.max(context.commandsBeforeReply, waiting) };
}

/** A command line: queued by its verb; a BDAT announces how many octets of chunk data follow. */
function queueCommandLine(context: SessionContext, line: string): Partial<SessionContext> {
  const parsed = parseCommand(line);
  const chunk = parsed.verb === 'BDAT' ? bdatChunk(parsed.argument) : null;
  return { ...enqueue(context, { verb: parsed.verb, line }), bdatRemaining: chunk?.size ?? 0 };
}

const TRANSACTION_CLEARED = { reversePath: null, recipients: [] } satisfies Partial<SessionContext>;

export const sessionSetup = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
  },
  guards: {
    /** Does this reply answer `params.verb` with one of `params.codes`? */
    answers: ({ context, event }, params: AnswersParams) => {
      if (event.type !== 'server.reply' || !codesMatch(params.codes, event.reply.code)) return false;
      if (params.verb === ANY_VERB) return true;
      const oldest = context.pending[0];
      return oldest !== undefined && commandKey(oldest) === params.verb;
    },
    /** Is the client still sending the octets a BDAT announced? */
    isChunkData: ({ context }) => context.bdatRemaining > 0,
    /** Is this the lone "." that ends DATA content (RFC 5321 §4.1.1.4)? */
    isEndOfData: ({ event }) => event.type === 'client.line' && event.text === '.',
    /** Has the "." already been sent, so that further lines are pipelined commands? */
    isAfterEndOfData: ({ context }) => context.pending.some((p) => p.verb === END_OF_DATA),
  },
  actions: {
    queueCommand: assign(({ context, event }) => {
      assertEvent(event, 'client.line');
      return queueCommandLine(context, event.text);
    }),
    queueEndOfData: assign(({ context }) => enqueue(context, { verb: END_OF_DATA, line: '.' })),
    queueAuthResponse: assign(({ context, event }) => {
      assertEvent(event, 'client.line');
      return enqueue(context, { verb: AUTH_RESPONSE, line: event.text });
    }),
    /** Count a line (and its CRLF) against the chunk; if the chunk ends inside it, the rest is a command. */
    consumeChunk: assign(({ context, event }) => {
      assertEvent(event, 'client.line');
      const octets = octetsOf(event.text) + (event.cut ?? 0) + 2;
      if (context.bdatRemaining >= octets) return { bdatRemaining: context.bdatRemaining - octets };
      const rest = event.text.slice(context.bdatRemaining);
      if (context.bdatRemaining >= event.text.length || rest === '') return { bdatRemaining: 0 };
      return queueCommandLine({ ...context, bdatRemaining: 0 }, rest);
    }),
    /** Every reply starts here: it answers the oldest pending line, or nothing at all. */
    takeReply: assign(({ context, event }) => {
      assertEvent(event, 'server.reply');
      const [answered, ...pending] = context.pending;
      const { code, enhanced, lines } = event.reply;
      return {
        pending,
        answered: answered ?? null,
        lastReply: { code, enhanced, text: lines.join('\n') },
        unexpectedReplies: context.unexpectedReplies + (answered ? 0 : 1),
      };
    }),
    /** EHLO 250: lines 2..n of the reply are the extensions (RFC 5321 §4.1.1.1). */
    rememberEhlo: assign(({ context, event }) => {
      assertEvent(event, 'server.reply');
      const extensions = event.reply.lines.slice(1).map((line) => {
        const [keyword = '', ...rest] = line.trim().split(/\s+/);
        return [keyword.toUpperCase(), ...rest].join(' ');
      });
      const domain = context.answered ? parseCommand(context.answered.line).domain : null;
      return { esmtp: true, extensions, clientDomain: domain };
    }),
    rememberHelo: assign(({ context }) => ({
      esmtp: false,
      extensions: [],
      clientDomain: context.answered ? parseCommand(context.answered.line).domain : null,
    })),
    resetTransaction: assign(TRANSACTION_CLEARED),
    setReversePath: assign(({ context }) => ({
      reversePath: context.answered ? (parseCommand(context.answered.line).path ?? '') : '',
      recipients: [],
    })),
    addRecipient: assign(({ context }) => {
      const path = context.answered ? parseCommand(context.answered.line).path : null;
      return { recipients: path === null ? context.recipients : [...context.recipients, path] };
    }),
    recordDelivery: assign(({ event }) => {
      assertEvent(event, 'server.reply');
      const { code, lines } = event.reply;
      return { lastDelivery: { accepted: code >= 200 && code < 300, code, text: lines.join('\n') } };
    }),
    markAuthenticated: assign({ authenticated: true }),
    /** RFC 3207 §4.2: after the handshake the client knows nothing it learned in plaintext. */
    startOverWithTls: assign({
      ...TRANSACTION_CLEARED,
      tls: true,
      esmtp: false,
      extensions: [],
      clientDomain: null,
      pending: [],
      bdatRemaining: 0,
    }),
  },
});

/** The actions a reply transition may run after `takeReply`. */
export type ReplyActionName =
  | 'rememberEhlo' | 'rememberHelo' | 'resetTransaction' | 'setReversePath'
  | 'addRecipient' | 'recordDelivery' | 'markAuthenticated';
