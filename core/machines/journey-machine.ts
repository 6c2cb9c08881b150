/**
 * The journey of one email, read from the same wire events as the session machine but told as a
 * path rather than a protocol: composed → connecting → greeted → ehlo → [starttls] → [auth] →
 * envelope → content → accepted, or refused / aborted on the way. STARTTLS and AUTH are optional
 * steps: port 25 skips both, and implicit TLS (465) is encrypted from the 'connected' event on.
 *
 * `accepted` is final because the first hop ends there. What happens next (queued → lookup →
 * relay → delivered | deferred → retry | bounced, per recipient) is told by the world events for
 * the queue id this machine reads from the 250: see core/world/journey-path.ts.
 */
import { journeySetup, type JourneyReplyAction } from './journey-setup';
import { initialJourneyContext, type JourneyStateName } from './journey-model';
import { ANY_VERB, AUTH_RESPONSE, BDAT_LAST, END_OF_DATA, GREETING } from './session-model';

export type { JourneyContext, JourneyEvent, JourneyStateName, RecipientVerdict, StepTime } from './journey-model';

/** A reply transition: "when the reply to `verb` has one of `codes`, go to `target`". */
function answer(verb: string, codes: string, target?: JourneyStateName, ...actions: JourneyReplyAction[]) {
  return {
    guard: { type: 'answers' as const, params: { verb, codes } },
    ...(target ? { target } : {}),
    actions: ['takeReply' as const, ...actions],
  };
}

/** Reply transitions of a step: a 421 ends the journey anywhere; other replies are only remembered. */
function replies(...own: Array<ReturnType<typeof answer>>) {
  return [answer(ANY_VERB, '421', 'refused', 'endWithLastReply'), ...own, { actions: 'takeReply' as const }];
}

/** Each step records when the email reached it, so the UI can say how long each one took. */
function stamp(step: JourneyStateName) {
  return { type: 'stamp' as const, params: { step } };
}

const CLIENT_LINES = [{ guard: 'isAuthLine' as const, actions: 'noteAuthLine' as const }];
const ABORTED = { target: 'aborted' as const, description: 'connection closed' };

const HELLO = [answer('EHLO', '250', 'ehlo'), answer('HELO', '250', 'ehlo')];
const STARTTLS = answer('STARTTLS', '220', 'starttls');
const AUTH = [
  answer('AUTH', '334', 'auth'),
  // AUTH PLAIN with an initial response is accepted without a challenge.
  answer('AUTH', '235', 'auth', 'markAuthenticated'),
  answer('AUTH', '4xx|5xx', 'refused', 'endWithLastReply'),
];
const MAIL = [answer('MAIL', '250', 'envelope', 'setFrom'), answer('MAIL', '4xx|5xx', 'refused', 'endWithLastReply')];
/** The end of the message, after DATA's "." or with BDAT … LAST. */
const END_OF_MESSAGE = [
  answer(END_OF_DATA, '2xx', 'accepted', 'endAccepted'),
  answer(END_OF_DATA, '4xx|5xx', 'refused', 'endWithLastReply'),
  answer(BDAT_LAST, '250', 'accepted', 'endAccepted'),
  answer(BDAT_LAST, '4xx|5xx', 'refused', 'endWithLastReply'),
];

export const journeyMachine = journeySetup.createMachine({
  id: 'email-journey',
  initial: 'composed',
  context: initialJourneyContext,
  states: {
    composed: {
      // No entry stamp: the wire starts at the connection; when Send was pressed is not on it.
      description: 'Composed: the email is written and waits for the client to connect.',
      on: {
        connected: { target: 'connecting', actions: 'markConnected', description: 'connection opened' },
        closed: ABORTED,
      },
    },
    connecting: {
      description: 'Connecting: the connection is open and the client waits for the server to greet it.',
      entry: stamp('connecting'),
      on: {
        // A tap may report the TLS of port 465 as its own event, before the greeting.
        'tls.established': { actions: 'markImplicitTls', description: 'TLS established before the greeting' },
        'server.reply': replies(
          answer(GREETING, '220', 'greeted'),
          answer(GREETING, '4xx|5xx', 'refused', 'endWithLastReply'),
        ),
        closed: ABORTED,
      },
    },
    greeted: {
      description: 'Greeted: the server said 220, and the client introduces itself with EHLO.',
      entry: stamp('greeted'),
      on: {
        'client.line': CLIENT_LINES,
        'server.reply': replies(...HELLO, STARTTLS),
        closed: ABORTED,
      },
    },
    ehlo: {
      description: 'Introduced: the server accepted EHLO and listed what it supports.',
      entry: stamp('ehlo'),
      on: {
        'client.line': CLIENT_LINES,
        'server.reply': replies(STARTTLS, ...AUTH, ...MAIL),
        closed: ABORTED,
      },
    },
    starttls: {
      description: 'Encrypting: the server agreed to STARTTLS; after the handshake the client says EHLO again, now inside TLS.',
      entry: stamp('starttls'),
      on: {
        'client.line': CLIENT_LINES,
        'tls.established': { actions: 'markTls', description: 'TLS established' },
        // The EHLO inside TLS belongs to this step; it ends when AUTH or MAIL begins.
        'server.reply': replies(...AUTH, ...MAIL),
        closed: ABORTED,
      },
    },
    auth: {
      description: 'Logging in: the client proves who it is with AUTH; the base64 it sends is readable by anyone who sees it.',
      entry: stamp('auth'),
      on: {
        'client.line': CLIENT_LINES,
        'server.reply': replies(
          answer(AUTH_RESPONSE, '334'),
          answer(AUTH_RESPONSE, '235', undefined, 'markAuthenticated'),
          answer(AUTH_RESPONSE, '4xx|5xx', 'refused', 'endWithLastReply'),
          ...MAIL,
        ),
        closed: ABORTED,
      },
    },
    envelope: {
      description: 'Envelope: the server took the sender; the client names the recipients with RCPT TO.',
      entry: stamp('envelope'),
      on: {
        'client.line': [
          { guard: 'givesUpWithoutRecipient', target: 'refused', actions: 'endWithLastReply', description: 'every recipient refused' },
          ...CLIENT_LINES,
        ],
        'server.reply': replies(
          answer('RCPT', '250|251', undefined, 'acceptRecipient'),
          answer('RCPT', '4xx|5xx', undefined, 'refuseRecipient'),
          answer('DATA', '354', 'content'),
          answer('DATA', '4xx|5xx', 'refused', 'endWithLastReply'),
          answer('BDAT', '250', 'content'),
          ...END_OF_MESSAGE,
        ),
        closed: [
          { guard: 'noRecipientAccepted', target: 'refused', actions: 'endWithLastReply', description: 'every recipient refused' },
          ABORTED,
        ],
      },
    },
    content: {
      description: 'Content: the headers and body travel, until the end of data.',
      entry: stamp('content'),
      on: {
        'server.reply': replies(...END_OF_MESSAGE),
        closed: ABORTED,
      },
    },
    accepted: {
      description: 'Accepted: the server answered 250 and took responsibility for the email.',
      entry: stamp('accepted'),
      type: 'final',
    },
    refused: {
      description: 'Refused: the server turned the email away, and nothing was delivered.',
      entry: stamp('refused'),
      type: 'final',
    },
    aborted: {
      description: 'Aborted: the connection closed before the server accepted the email.',
      entry: stamp('aborted'),
      type: 'final',
    },
  },
});
