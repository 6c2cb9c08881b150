/**
 * The behaviour the journey machine's config names: the same parameterized `answers` guard as the
 * session machine (so statechartGraph() labels its edges "MAIL → 250" too), two questions about
 * the envelope, and `assign` actions that keep what the learner is shown. No I/O.
 */
import { assertEvent, assign, setup } from 'xstate';
import { parseCommand } from '../smtp/command';
import { ANY_VERB, codesMatch, type AnswersParams } from './session-model';
import {
  authUserOf, queueIdOf,
  type JourneyContext, type JourneyEvent, type JourneyStateName, type RecipientVerdict,
} from './journey-model';

/** The path named by the command a reply answers (MAIL FROM / RCPT TO), or null. */
function pathOf(line: string | null): string | null {
  return line === null ? null : parseCommand(line).path;
}

function verdict(event: JourneyEvent): RecipientVerdict | null {
  if (event.type !== 'server.reply') return null;
  const address = pathOf(event.answers);
  return address === null ? null : { address, code: event.code, text: event.reply.text };
}

export const journeySetup = setup({
  types: {
    context: {} as JourneyContext,
    events: {} as JourneyEvent,
  },
  guards: {
    /** Does this reply answer `params.verb` with one of `params.codes`? */
    answers: ({ event }, params: AnswersParams) =>
      event.type === 'server.reply' && codesMatch(params.codes, event.code)
      && (params.verb === ANY_VERB || params.verb === event.verb),
    /** Is this the AUTH command, or a base64 answer inside an AUTH exchange? */
    isAuthLine: ({ event }) =>
      event.type === 'client.line'
      && (event.mode === 'auth' || (event.mode === 'command' && parseCommand(event.text).verb === 'AUTH')),
    /** Were recipients named but none accepted, so there is nothing to send? */
    noRecipientAccepted: ({ context }) => context.accepted.length === 0 && context.refused.length > 0,
    /** Is the client giving up (QUIT or RSET) after every recipient was refused? */
    givesUpWithoutRecipient: ({ context, event }) =>
      event.type === 'client.line' && event.mode === 'command'
      && ['QUIT', 'RSET'].includes(parseCommand(event.text).verb)
      && context.accepted.length === 0 && context.refused.length > 0,
  },
  actions: {
    /** Entry of every state: when the email reached this step. */
    stamp: assign(({ context, event }, params: { step: JourneyStateName }) =>
      'at' in event ? { enteredAt: { ...context.enteredAt, [params.step]: event.at } } : {}),
    markConnected: assign(({ event }) => {
      assertEvent(event, 'connected');
      return event.tls ? { tls: true, implicitTls: true } : {};
    }),
    markTls: assign({ tls: true }),
    markImplicitTls: assign({ tls: true, implicitTls: true }),
    /** Every reply starts here. */
    takeReply: assign(({ event }) => {
      assertEvent(event, 'server.reply');
      return { lastReply: event.reply };
    }),
    noteAuthLine: assign(({ context, event }) => {
      assertEvent(event, 'client.line');
      // A line the tap hid stays hidden: keep a stand-in that decodes to nothing.
      const text = event.redacted ? '*' : event.text;
      return event.mode === 'auth' ? { authLines: [...context.authLines, text] } : { authLines: [text] };
    }),
    markAuthenticated: assign(({ context }) => ({ authenticated: true, authUser: authUserOf(context.authLines), authLines: [] })),
    setFrom: assign(({ event }) => {
      assertEvent(event, 'server.reply');
      return { from: pathOf(event.answers) ?? '', accepted: [], refused: [] };
    }),
    acceptRecipient: assign(({ context, event }) => {
      const taken = verdict(event);
      return taken ? { accepted: [...context.accepted, taken] } : {};
    }),
    refuseRecipient: assign(({ context, event }) => {
      const refused = verdict(event);
      return refused ? { refused: [...context.refused, refused] } : {};
    }),
    /** The outcome is the latest reply: the refusal itself, or the RCPT refusal the client gave up on. */
    endWithLastReply: assign(({ context }) => ({ response: context.lastReply })),
    endAccepted: assign(({ context }) => ({
      response: context.lastReply,
      queueId: context.lastReply ? queueIdOf(context.lastReply.text) : null,
    })),
  },
});

/** The actions a reply transition may run after `takeReply`. */
export type JourneyReplyAction =
  | 'markAuthenticated' | 'setFrom' | 'acceptRecipient' | 'refuseRecipient' | 'endWithLastReply' | 'endAccepted';
