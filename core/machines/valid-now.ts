/**
 * What the learner can sensibly send next, worked out from the session's state and what the
 * server has told us (its extensions, TLS, authentication). One table, read by the app's hints.
 */
import type { SessionContext, SessionStateName } from './session-model';

export interface ValidCommand {
  verb: string;
  why: string;
}

function hasExtension(context: SessionContext, keyword: string): boolean {
  return context.extensions.some((line) => line.split(' ')[0] === keyword);
}

const ALWAYS = {
  NOOP: { verb: 'NOOP', why: 'check the connection; changes nothing' },
  RSET: { verb: 'RSET', why: 'abandon the current message and start over' },
  QUIT: { verb: 'QUIT', why: 'say goodbye; the server answers 221 and closes' },
  VRFY: { verb: 'VRFY', why: 'ask whether a mailbox exists (most servers will not say)' },
  HELP: { verb: 'HELP', why: 'ask the server for help text' },
} satisfies Record<string, ValidCommand>;

const HELLO: ValidCommand[] = [
  { verb: 'EHLO', why: 'introduce yourself and learn the extensions the server offers' },
  { verb: 'HELO', why: 'introduce yourself the old way (no extensions)' },
];

/** Commands the server takes once it knows you, offered only when it advertised them. */
function extensionsOnOffer(context: SessionContext): ValidCommand[] {
  const offered: ValidCommand[] = [];
  if (hasExtension(context, 'STARTTLS') && !context.tls) {
    offered.push({ verb: 'STARTTLS', why: 'encrypt the connection before saying anything private' });
  }
  if (hasExtension(context, 'AUTH') && !context.authenticated) {
    const mechanisms = context.extensions.find((line) => line.startsWith('AUTH '))?.slice(5);
    offered.push({ verb: 'AUTH', why: `log in${mechanisms ? ` (the server offers ${mechanisms})` : ''}` });
  }
  return offered;
}

function mailWhy(context: SessionContext): string {
  const size = context.extensions.find((line) => line.startsWith('SIZE '))?.slice(5);
  return `start a message with MAIL FROM:<you@example.test>${size && size !== '0' ? ` (at most ${size} bytes)` : ''}`;
}

const RCPT: ValidCommand = { verb: 'RCPT', why: 'add a recipient with RCPT TO:<them@example.test>' };

export function validNow(state: SessionStateName, context: SessionContext): ValidCommand[] {
  switch (state) {
    case 'connecting':
    case 'tls':
    case 'closed':
      // Nothing to type: wait for the greeting or the handshake; or the session is over.
      return [];
    case 'greeted':
      return [...HELLO, ALWAYS.NOOP, ALWAYS.RSET, ALWAYS.VRFY, ALWAYS.HELP, ALWAYS.QUIT];
    case 'ready':
      return [
        { verb: 'MAIL', why: mailWhy(context) },
        ...extensionsOnOffer(context),
        { verb: 'EHLO', why: 'introduce yourself again (starts the session over)' },
        ALWAYS.RSET, ALWAYS.NOOP, ALWAYS.VRFY, ALWAYS.HELP, ALWAYS.QUIT,
      ];
    case 'mail':
      return [RCPT, ALWAYS.RSET, ALWAYS.NOOP, ALWAYS.QUIT];
    case 'rcpt':
      return [
        RCPT,
        { verb: 'DATA', why: `send the message to ${context.recipients.length} recipient(s)` },
        ...(hasExtension(context, 'CHUNKING') ? [{ verb: 'BDAT', why: 'send the message in sized chunks instead of DATA' }] : []),
        ALWAYS.RSET, ALWAYS.NOOP, ALWAYS.QUIT,
      ];
    case 'data':
      return [{ verb: 'message lines, then a lone "."', why: 'headers, a blank line, the body; "." alone on a line ends it' }];
    case 'bdat':
      return [
        { verb: 'BDAT', why: 'send the next chunk: BDAT <octets>, then exactly that many octets' },
        { verb: 'BDAT LAST', why: 'send the final chunk: BDAT <octets> LAST' },
        ALWAYS.RSET, ALWAYS.QUIT,
      ];
    case 'auth':
      return [{ verb: 'base64 response or *', why: 'answer the 334 challenge in base64, or "*" to cancel' }];
    case 'refused':
      return [ALWAYS.QUIT];
  }
}
