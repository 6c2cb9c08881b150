/** One line about every command verb, for help and "valid now" hints. One table, typed by KnownVerb. */

import { isKnownVerb, type KnownVerb } from './command';

export interface VerbInfo {
  verb: KnownVerb;
  title: string;
  /** The grammar, with [optional] parts and <placeholders>. */
  syntax: string;
  meaning: string;
  rfc: string;
}

const VERBS: Record<KnownVerb, Omit<VerbInfo, 'verb'>> = {
  EHLO: {
    title: 'Say hello (extended)',
    syntax: 'EHLO <your-domain or [address-literal]>',
    meaning: 'Opens the session and asks the server which extensions it supports.',
    rfc: 'RFC 5321 §4.1.1.1',
  },
  HELO: {
    title: 'Say hello (plain)',
    syntax: 'HELO <your-domain>',
    meaning: 'Opens the session in plain SMTP, without extensions.',
    rfc: 'RFC 5321 §4.1.1.1',
  },
  MAIL: {
    title: 'Start a message',
    syntax: 'MAIL FROM:<sender@example.test> [SIZE=n] [BODY=8BITMIME] [SMTPUTF8] [RET=FULL|HDRS] [ENVID=id] [AUTH=<mailbox>]',
    meaning: 'Starts a mail transaction and gives the reverse-path: where failure reports go.',
    rfc: 'RFC 5321 §4.1.1.2',
  },
  RCPT: {
    title: 'Add a recipient',
    syntax: 'RCPT TO:<recipient@example.test> [NOTIFY=NEVER|SUCCESS,FAILURE,DELAY] [ORCPT=rfc822;address]',
    meaning: 'Adds one recipient (forward-path) to the message; repeat it for each recipient.',
    rfc: 'RFC 5321 §4.1.1.3',
  },
  DATA: {
    title: 'Send the message',
    syntax: 'DATA',
    meaning: 'Asks to send the message content; after 354, send the lines and end with a line holding only ".".',
    rfc: 'RFC 5321 §4.1.1.4',
  },
  BDAT: {
    title: 'Send a chunk',
    syntax: 'BDAT <octets> [LAST]',
    meaning: 'Sends exactly that many octets of the message right after the line; LAST marks the final chunk.',
    rfc: 'RFC 3030 §2',
  },
  RSET: {
    title: 'Reset',
    syntax: 'RSET',
    meaning: 'Abandons the current mail transaction: sender, recipients and content are forgotten.',
    rfc: 'RFC 5321 §4.1.1.5',
  },
  NOOP: {
    title: 'Do nothing',
    syntax: 'NOOP [text]',
    meaning: 'Asks only for a 250 OK; useful to check the server is still there.',
    rfc: 'RFC 5321 §4.1.1.9',
  },
  QUIT: {
    title: 'Say goodbye',
    syntax: 'QUIT',
    meaning: 'Ends the session; the server answers 221 and closes the connection.',
    rfc: 'RFC 5321 §4.1.1.10',
  },
  VRFY: {
    title: 'Verify a user',
    syntax: 'VRFY <user or address>',
    meaning: 'Asks whether a user or mailbox exists; many servers decline to say.',
    rfc: 'RFC 5321 §4.1.1.6',
  },
  EXPN: {
    title: 'Expand a list',
    syntax: 'EXPN <mailing-list>',
    meaning: 'Asks for the members of a mailing list; most servers decline.',
    rfc: 'RFC 5321 §4.1.1.7',
  },
  HELP: {
    title: 'Ask for help',
    syntax: 'HELP [command]',
    meaning: 'Asks for help text, in general or about one command.',
    rfc: 'RFC 5321 §4.1.1.8',
  },
  STARTTLS: {
    title: 'Start encryption',
    syntax: 'STARTTLS',
    meaning: 'Switches the connection to TLS; after the handshake, send EHLO again.',
    rfc: 'RFC 3207 §4',
  },
  AUTH: {
    title: 'Log in',
    syntax: 'AUTH <mechanism> [initial-response-in-base64]',
    meaning: 'Starts a login with a SASL mechanism such as PLAIN or LOGIN.',
    rfc: 'RFC 4954 §4',
  },
};

/** Help for a verb (any case); null when it is not a verb this lab knows. */
export function explainVerb(verb: string): VerbInfo | null {
  const upper = verb.trim().toUpperCase();
  return isKnownVerb(upper) ? { verb: upper, ...VERBS[upper] } : null;
}
