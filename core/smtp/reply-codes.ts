/**
 * The reply codes a learner meets: every code of RFC 5321 §4.2.3, plus those the AUTH
 * extension (RFC 4954) and RFC 7504 (521, 556) add. Data only; reply-catalog.ts turns a reply into an explanation.
 */

export interface ReplyCodeInfo {
  /** A few words, e.g. "Service ready". */
  title: string;
  /** What the server is saying, in one or two plain sentences. */
  meaning: string;
  /** What a client should do next. */
  nextStep: string;
  /** Where the code is defined or best explained. */
  rfc: string;
}

export const REPLY_CODES: Readonly<Record<number, ReplyCodeInfo>> = {
  211: {
    title: 'System status',
    meaning: 'A status report or help reply about the server itself, for a human to read.',
    nextStep: 'Read it if you like; the session is unchanged, so carry on.',
    rfc: 'RFC 5321 §4.2.3',
  },
  214: {
    title: 'Help message',
    meaning: 'Help text, usually in answer to HELP: how to use this server or what a command means. It is meant for a human.',
    nextStep: 'Read it; the session is unchanged, so carry on with your next command.',
    rfc: 'RFC 5321 §4.1.1.8',
  },
  220: {
    title: 'Service ready',
    meaning: 'The server is ready. As the first line of a connection it is the greeting, and it starts with the server\'s name.',
    nextStep: 'Introduce yourself with EHLO (or HELO for plain SMTP).',
    rfc: 'RFC 5321 §3.1, §4.2.3',
  },
  221: {
    title: 'Closing connection',
    meaning: 'The server says goodbye and is closing the connection.',
    nextStep: 'Nothing more to send; close your side too.',
    rfc: 'RFC 5321 §4.1.1.10',
  },
  235: {
    title: 'Authentication succeeded',
    meaning: 'The credentials were accepted: you are now logged in for the rest of this session.',
    nextStep: 'Start a message with MAIL FROM. Do not send AUTH again; it would get 503.',
    rfc: 'RFC 4954 §6',
  },
  250: {
    title: 'OK',
    meaning: 'The requested action was okay and is completed.',
    nextStep: 'Send the next command of the session.',
    rfc: 'RFC 5321 §4.2.3',
  },
  251: {
    title: 'User not local; will forward',
    meaning: 'The recipient is not on this server, but the server accepts the message and will forward it to the path it names.',
    nextStep: 'Treat it like 250: the recipient is accepted. Add more recipients or send DATA.',
    rfc: 'RFC 5321 §3.4',
  },
  252: {
    title: 'Cannot verify, will try',
    meaning: 'The server will not confirm whether the user exists, but it would accept a message for them and try to deliver it.',
    nextStep: 'No information gained; address mail to the user anyway if you mean to.',
    rfc: 'RFC 5321 §3.5.3',
  },
  334: {
    title: 'Authentication challenge',
    meaning: 'The server wants the next step of the login. The text after the code is a base64-encoded challenge (it may be empty).',
    nextStep: 'Send your answer as one line of base64, or "*" to cancel the login.',
    rfc: 'RFC 4954 §4',
  },
  354: {
    title: 'Start mail input',
    meaning: 'The server is ready for the message itself: header fields, a blank line, then the body.',
    nextStep: 'Send the message lines, then a line holding only "." to end it. Double a leading "." on any other line.',
    rfc: 'RFC 5321 §4.1.1.4',
  },
  421: {
    title: 'Service not available, closing',
    meaning: 'The server cannot serve you now and is closing the connection. It may send this in answer to any command, for example when it shuts down.',
    nextStep: 'Connect again later; anything not yet accepted with a final 250 was not delivered.',
    rfc: 'RFC 5321 §3.8, §4.2.3',
  },
  432: {
    title: 'Password transition needed',
    meaning: 'The server must convert your stored password before it can use the mechanism you chose.',
    nextStep: 'Log in once with AUTH PLAIN inside TLS; afterwards the other mechanism works.',
    rfc: 'RFC 4954 §4, §6',
  },
  450: {
    title: 'Mailbox unavailable (temporary)',
    meaning: 'The action was not taken because the mailbox is unavailable for now, for example busy or temporarily blocked by policy.',
    nextStep: 'Try again later, unchanged.',
    rfc: 'RFC 5321 §4.2.3',
  },
  451: {
    title: 'Local error, aborted',
    meaning: 'The action was aborted by a temporary condition on the server: an error of its own, or a policy that says "not now", such as greylisting (with 4.7.1). The enhanced code tells which.',
    nextStep: 'Try again later, unchanged: a mail server keeps the message queued and retries by itself.',
    rfc: 'RFC 5321 §4.2.3',
  },
  452: {
    title: 'Insufficient storage',
    meaning: 'The action was not taken for lack of storage, for now. The enhanced code tells whose: 4.2.2 the recipient\'s mailbox is full, 4.3.1 the server itself is full, 4.5.3 too many recipients for one message.',
    nextStep: 'Try again later. Only after 4.5.3: send DATA for the recipients accepted so far and the rest in another transaction.',
    rfc: 'RFC 5321 §4.2.3, §4.5.3.1.10',
  },
  454: {
    title: 'Temporary authentication failure',
    meaning: 'Login could not be completed because of a temporary problem on the server (or TLS is not available right now, in answer to STARTTLS).',
    nextStep: 'Try again later.',
    rfc: 'RFC 4954 §6',
  },
  455: {
    title: 'Cannot accommodate parameters',
    meaning: 'The server cannot handle the MAIL FROM or RCPT TO parameters right now.',
    nextStep: 'Try again later, or try without the parameters.',
    rfc: 'RFC 5321 §4.1.1.11',
  },
  500: {
    title: 'Syntax error, command unrecognized',
    meaning: 'The server does not understand the command at all. A line that is too long can also get this.',
    nextStep: 'Check the spelling of the verb and the length of the line; the session is unchanged.',
    rfc: 'RFC 5321 §4.2.3',
  },
  501: {
    title: 'Syntax error in parameters',
    meaning: 'The command is known, but its arguments are not written correctly.',
    nextStep: 'Fix the arguments and send the command again; the session is unchanged.',
    rfc: 'RFC 5321 §4.2.3',
  },
  502: {
    title: 'Command not implemented',
    meaning: 'The command is valid SMTP, but this server does not offer it.',
    nextStep: 'Do without it; the session is unchanged.',
    rfc: 'RFC 5321 §4.2.4',
  },
  503: {
    title: 'Bad sequence of commands',
    meaning: 'The command is fine but came at the wrong moment, for example RCPT before MAIL, or DATA before any recipient.',
    nextStep: 'Send the commands in order: EHLO, MAIL FROM, RCPT TO, DATA. The session is unchanged.',
    rfc: 'RFC 5321 §4.1.4',
  },
  504: {
    title: 'Parameter not implemented',
    meaning: 'The command is known, but this server does not support the parameter given, such as an unknown AUTH mechanism.',
    nextStep: 'Use a parameter the server supports (see the EHLO reply); the session is unchanged.',
    rfc: 'RFC 5321 §4.2.3',
  },
  521: {
    title: 'Host does not accept mail',
    meaning: 'This host never takes mail, for anyone (RFC 7504). It may greet with it, or answer every command with it.',
    nextStep: 'Do not retry this host; mail for the domain must go to another of its MX hosts.',
    rfc: 'RFC 7504',
  },
  530: {
    title: 'Authentication or TLS required',
    meaning: 'The server wants something done first: that you log in (RFC 4954, "Authentication required"), or that you encrypt the connection (RFC 3207, "Must issue a STARTTLS command first"). The text says which.',
    nextStep: 'Do what the text asks: STARTTLS and EHLO again, or AUTH; then repeat the command.',
    rfc: 'RFC 4954 §6, RFC 3207 §4',
  },
  534: {
    title: 'Mechanism too weak',
    meaning: 'The server will not let you log in with this authentication mechanism; it wants a stronger one.',
    nextStep: 'Choose another mechanism from the AUTH line of the EHLO reply.',
    rfc: 'RFC 4954 §6',
  },
  535: {
    title: 'Credentials invalid',
    meaning: 'The user name or password is wrong, so the login failed.',
    nextStep: 'Check the credentials and start again with AUTH.',
    rfc: 'RFC 4954 §6',
  },
  538: {
    title: 'Encryption required',
    meaning: 'This authentication mechanism is only allowed over an encrypted connection.',
    nextStep: 'Send STARTTLS, then EHLO again, then AUTH.',
    rfc: 'RFC 4954 §6',
  },
  550: {
    title: 'Mailbox unavailable',
    meaning: 'The action was not taken: the mailbox does not exist, you have no access, or policy refuses it (for example relaying for a stranger).',
    nextStep: 'Do not retry unchanged; check the address or the policy the text names.',
    rfc: 'RFC 5321 §4.2.3',
  },
  551: {
    title: 'User not local; try elsewhere',
    meaning: 'The recipient is not on this server, and the server will not forward; the text may name the right path.',
    nextStep: 'Send to the address the server suggests instead.',
    rfc: 'RFC 5321 §3.4',
  },
  552: {
    title: 'Exceeded storage allocation',
    meaning: 'The action was aborted because it would exceed a storage limit, for example the message is larger than SIZE allows.',
    nextStep: 'Send a smaller message. If it answers RCPT, treat it as 452 (too many recipients).',
    rfc: 'RFC 5321 §4.2.3, §4.5.3.1.10',
  },
  553: {
    title: 'Mailbox name not allowed',
    meaning: 'The action was not taken because the address is not allowed, for example its syntax is wrong.',
    nextStep: 'Fix the address and send the command again.',
    rfc: 'RFC 5321 §4.2.3',
  },
  554: {
    title: 'Transaction failed',
    meaning: 'The transaction failed. As the greeting it means "no SMTP service here"; after DATA it can mean there are no valid recipients.',
    nextStep: 'Do not retry unchanged. After a 554 greeting, only QUIT is useful.',
    rfc: 'RFC 5321 §3.1, §4.2.3',
  },
  555: {
    title: 'Parameters not recognized',
    meaning: 'The server does not recognize or implement a parameter on MAIL FROM or RCPT TO.',
    nextStep: 'Send the command again without that parameter (check the EHLO reply for what is offered).',
    rfc: 'RFC 5321 §4.1.1.11',
  },
  556: {
    title: 'Domain does not accept mail',
    meaning: 'The recipient\'s domain takes no mail at all: it publishes a null MX (RFC 7505), so no address there exists. Sending MTAs also write this reply into the bounce themselves, without connecting anywhere.',
    nextStep: 'Do not retry; the address is wrong or the domain receives no email.',
    rfc: 'RFC 7504, RFC 7505 §3',
  },
};
