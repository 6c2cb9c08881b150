/**
 * The SMTP session (RFC 5321 with STARTTLS, AUTH, PIPELINING, CHUNKING) as a statechart, read
 * from the wire. Client lines only queue up; the state moves when a complete reply answers the
 * oldest queued line. Every reply transition names the command and codes it stands for in its
 * guard params, so the drawing's edge labels come from this config and nowhere else.
 */
import { sessionSetup, type ReplyActionName } from './session-setup';
import {
  ANY_VERB, AUTH_RESPONSE, BDAT_LAST, END_OF_DATA, GREETING, initialContext,
  type SessionStateName,
} from './session-model';

export type { SessionContext, SessionEvent, SessionStateName, PendingCommand } from './session-model';

/** A reply transition: "when the reply to `verb` has one of `codes`, go to `target`". */
function answer(verb: string, codes: string, target?: SessionStateName, ...actions: ReplyActionName[]) {
  return {
    guard: { type: 'answers' as const, params: { verb, codes } },
    ...(target ? { target } : {}),
    actions: ['takeReply' as const, ...actions],
  };
}

/** EHLO or HELO accepted: a fresh start, whatever transaction was open (§4.1.4). */
const HELLO = [
  answer('EHLO', '250', 'ready', 'resetTransaction', 'rememberEhlo'),
  answer('HELO', '250', 'ready', 'resetTransaction', 'rememberHelo'),
];
const RSET = answer('RSET', '250', 'ready', 'resetTransaction');
/**
 * BDAT, from rcpt or from bdat: a chunk keeps the message open, the LAST one ends it. A refused
 * LAST chunk keeps the state, because RFC 3030 leaves the clean-up to the client's RSET.
 */
const CHUNKS = [
  answer(BDAT_LAST, '250', 'ready', 'recordDelivery', 'resetTransaction'),
  answer(BDAT_LAST, '4xx|5xx', undefined, 'recordDelivery'),
  answer('BDAT', '250', 'bdat'),
];

/**
 * The reply transitions of a state: 421 and QUIT 221 end the session from anywhere; then the
 * state's own; then any other reply (500-504, 503, a refused MAIL/RCPT, NOOP…) only takes its
 * command off the queue and keeps the state.
 */
function replies(...own: Array<ReturnType<typeof answer>>) {
  return [
    answer(ANY_VERB, '421', 'closed', 'resetTransaction'),
    answer('QUIT', '221', 'closed', 'resetTransaction'),
    ...own,
    { actions: 'takeReply' as const },
  ];
}

/** Client lines in command states: chunk data owed to a BDAT first, otherwise a command. */
const COMMAND_LINES = [{ guard: 'isChunkData' as const, actions: 'consumeChunk' as const }, { actions: 'queueCommand' as const }];

const DROPPED = { target: 'closed' as const, actions: 'resetTransaction' as const, description: 'connection closed' };

export const sessionMachine = sessionSetup.createMachine({
  id: 'smtp-session',
  initial: 'connecting',
  context: initialContext,
  states: {
    connecting: {
      description: 'Connecting: the connection is open; wait for the server to greet you.',
      on: {
        'client.line': COMMAND_LINES,
        'server.reply': replies(answer(GREETING, '220', 'greeted'), answer(GREETING, '554', 'refused')),
        closed: DROPPED,
      },
    },
    greeted: {
      description: 'Greeted: the server said 220; introduce yourself with EHLO.',
      on: {
        'client.line': COMMAND_LINES,
        // smtp-server answers STARTTLS before EHLO too; the wire, not the rulebook, moves us.
        'server.reply': replies(...HELLO, answer('STARTTLS', '220', 'tls')),
        closed: DROPPED,
      },
    },
    ready: {
      description: 'Ready: the server knows you; start a message with MAIL FROM.',
      on: {
        'client.line': COMMAND_LINES,
        'server.reply': replies(
          ...HELLO,
          answer('MAIL', '250', 'mail', 'setReversePath'),
          answer('STARTTLS', '220', 'tls'),
          answer('AUTH', '334', 'auth'),
          answer('AUTH', '235', 'ready', 'markAuthenticated'),
        ),
        closed: DROPPED,
      },
    },
    mail: {
      description: 'Mail: the sender is set; name a recipient with RCPT TO.',
      on: {
        'client.line': COMMAND_LINES,
        'server.reply': replies(answer('RCPT', '250|251', 'rcpt', 'addRecipient'), RSET, ...HELLO),
        closed: DROPPED,
      },
    },
    rcpt: {
      description: 'Recipients: at least one recipient is accepted; add more, or send the message with DATA.',
      on: {
        'client.line': COMMAND_LINES,
        'server.reply': replies(
          answer('RCPT', '250|251', 'rcpt', 'addRecipient'),
          answer('DATA', '354', 'data'),
          ...CHUNKS,
          RSET,
          ...HELLO,
        ),
        closed: DROPPED,
      },
    },
    data: {
      description: 'Data: every line is message content until a line with a lone ".".',
      on: {
        'client.line': [
          { guard: 'isAfterEndOfData', actions: 'queueCommand' },
          { guard: 'isEndOfData', actions: 'queueEndOfData' },
          // any other line is content: nothing to track
        ],
        // Whatever the verdict, the end of data closes the transaction (§4.1.1.4).
        'server.reply': replies(
          answer(END_OF_DATA, '2xx', 'ready', 'recordDelivery', 'resetTransaction'),
          answer(END_OF_DATA, '4xx|5xx', 'ready', 'recordDelivery', 'resetTransaction'),
        ),
        closed: DROPPED,
      },
    },
    bdat: {
      description: 'Chunks: the message is arriving in BDAT chunks; the one marked LAST ends it.',
      on: {
        'client.line': COMMAND_LINES,
        'server.reply': replies(
          ...CHUNKS,
          RSET,
          ...HELLO,
        ),
        closed: DROPPED,
      },
    },
    auth: {
      description: 'Authenticating: the server sent a 334 challenge; answer it in base64, or "*" to give up.',
      on: {
        'client.line': { actions: 'queueAuthResponse' },
        'server.reply': replies(
          answer(AUTH_RESPONSE, '334', 'auth'),
          answer(AUTH_RESPONSE, '235', 'ready', 'markAuthenticated'),
          answer(AUTH_RESPONSE, '4xx|5xx', 'ready'),
        ),
        closed: DROPPED,
      },
    },
    tls: {
      description: 'TLS: the server said 220 to STARTTLS; the encryption handshake is under way.',
      on: {
        'client.line': COMMAND_LINES,
        'server.reply': replies(),
        'tls.established': { target: 'greeted', actions: 'startOverWithTls', description: 'TLS established' },
        closed: DROPPED,
      },
    },
    refused: {
      description: 'Refused: the server greeted you with 554 and will only take QUIT.',
      on: {
        'client.line': COMMAND_LINES,
        'server.reply': replies(),
        closed: DROPPED,
      },
    },
    closed: {
      description: 'Closed: the connection is over.',
      type: 'final',
    },
  },
});
