/**
 * What the RFCs the lessons quote ask of a server where smtp-server is lenient or silent, shared
 * by the lab's own servers and the world's mail hosts:
 * - AUTH before STARTTLS, where AUTH is offered only inside TLS: 530 5.7.0 (RFC 3207 §4), not a
 *   500 "command not recognized"; where AUTH is listed before TLS: 538 5.7.11 (RFC 4954 §6). A
 *   mail host that offers no AUTH at all answers it 502 5.5.1, like EXPN; one without TLS answers
 *   STARTTLS the same way.
 * - EXPN: 502 5.5.1, a command the server knows and does not offer (RFC 5321 §3.5.2, §4.2.4).
 * - A MAIL or RCPT parameter the server does not know, or did not advertise: 555 5.5.4 (§4.1.1.11).
 * - A non-ASCII address without SMTPUTF8 on MAIL FROM: 553 5.6.7 (RFC 6531 §3.5).
 * - 8-bit message data without BODY=8BITMIME (or SMTPUTF8): 554 5.6.1 (RFC 6152 §3).
 */
import { isAscii } from 'node:buffer';
import type { SMTPServerAddress, SMTPServerSession } from 'smtp-server';
import type { LabReply } from '../../core/world/world-types';

export const CONDUCT_REPLIES = {
  startTlsFirst: { code: 530, enhanced: '5.7.0', text: 'Must issue a STARTTLS command first' },
  encryptionRequired: { code: 538, enhanced: '5.7.11', text: 'Encryption required for requested authentication mechanism' },
  expn: { code: 502, enhanced: '5.5.1', text: 'EXPN is not offered: this server does not reveal mailing lists' },
  noAuth: { code: 502, enhanced: '5.5.1', text: 'AUTH is not offered: this host takes mail for its own domains without a login' },
  noTls: { code: 502, enhanced: '5.5.1', text: 'STARTTLS is not offered: this host speaks plain SMTP only' },
  utf8Address: { code: 553, enhanced: '5.6.7', text: 'Non-ASCII address without SMTPUTF8: add SMTPUTF8 to MAIL FROM' },
  eightBitData: { code: 554, enhanced: '5.6.1', text: 'Message has 8-bit data, but MAIL FROM did not declare BODY=8BITMIME' },
} as const satisfies Record<string, LabReply>;

export function unknownParameter(key: string): LabReply {
  return { code: 555, enhanced: '5.5.4', text: `${key} parameter not recognized` };
}

/** What the server advertised, which decides the parameters it knows. */
export interface Offers {
  dsn: boolean;
  auth: boolean;
}

const MAIL_PARAMS = ['SIZE', 'BODY', 'SMTPUTF8', 'REQUIRETLS'];
const DSN_MAIL_PARAMS = ['RET', 'ENVID'];
const DSN_RCPT_PARAMS = ['NOTIFY', 'ORCPT'];

/** The first parameter on MAIL FROM or RCPT TO this server does not recognize, or null. */
export function unrecognizedParameter(verb: 'MAIL' | 'RCPT', address: SMTPServerAddress, offers: Offers): string | null {
  const known =
    verb === 'MAIL'
      ? [...MAIL_PARAMS, ...(offers.dsn ? DSN_MAIL_PARAMS : []), ...(offers.auth ? ['AUTH'] : [])]
      : offers.dsn ? DSN_RCPT_PARAMS : [];
  return Object.keys(address.args || {}).find((key) => !known.includes(key.toUpperCase())) ?? null;
}

const NON_ASCII = /[^\x00-\x7F]/;

/** Why MAIL FROM or RCPT TO is refused before the host's own policy speaks, or null. */
export function envelopeRefusal(verb: 'MAIL' | 'RCPT', address: SMTPServerAddress, session: SMTPServerSession, offers: Offers): LabReply | null {
  const unknown = unrecognizedParameter(verb, address, offers);
  if (unknown) return unknownParameter(unknown);
  if (NON_ASCII.test(address.address) && !session.envelope.smtpUtf8) return CONDUCT_REPLIES.utf8Address;
  return null;
}

/** A byte above 127 anywhere in the message (isAscii is native: a 10 MB message costs no callback per byte). */
export function hasEightBitData(raw: Buffer): boolean {
  return !isAscii(raw);
}

/** Why the message data is refused at the final dot, or null. */
export function dataRefusal(raw: Buffer, session: SMTPServerSession): LabReply | null {
  const declared = session.envelope.bodyType === '8bitmime' || session.envelope.smtpUtf8 === true;
  return !declared && hasEightBitData(raw) ? CONDUCT_REPLIES.eightBitData : null;
}

/** smtp-server turns `responseCode` into the reply code; the enhanced code leads the text. */
export function labReplyError(reply: LabReply): Error {
  return Object.assign(new Error(`${reply.enhanced} ${reply.text}`), { responseCode: reply.code });
}

interface ConnectionInternals {
  secure: boolean;
  hostNameAppearsAs: string | false | undefined;
  session: { disabledCommands?: string[] };
  _nextHandler: unknown;
  _onCommand(command: Buffer, callback?: () => void): void;
  send(code: number, data: string): void;
  handler_EXPN?: (command: Buffer, callback: () => void) => void;
}

/**
 * Teach one smtp-server connection the replies above that belong to commands (after
 * useOwnEnhancedCodes, so each reply carries the enhanced code given here). `authAfterTls`: the
 * server offers AUTH once the connection is encrypted, so AUTH before STARTTLS is a matter of
 * order, not a command it lacks (a mail host that never offers AUTH passes false). `tls`: the
 * server offers STARTTLS at all.
 */
export function useRfcConduct(connection: object, { authAfterTls, tls }: { authAfterTls: boolean; tls: boolean }): void {
  const target = connection as ConnectionInternals;
  const reply = (r: LabReply) => target.send(r.code, `${r.enhanced} ${r.text}`);
  target.handler_EXPN = (_command, callback) => {
    reply(CONDUCT_REPLIES.expn);
    callback();
  };
  const original = target._onCommand.bind(connection);
  target._onCommand = (command, callback) => {
    const verb = (command || '').toString().split(' ')[0]?.toUpperCase();
    // Before EHLO, and inside an AUTH exchange, smtp-server's own rules answer.
    if (verb === 'AUTH' && target.hostNameAppearsAs && !target._nextHandler && (!authAfterTls || !target.secure)) {
      const offeredInClear = !(target.session.disabledCommands ?? []).some((c) => c.toUpperCase() === 'AUTH');
      // A host without AUTH knows the command and does not offer it (502), rather than not knowing it (500).
      reply(!authAfterTls ? CONDUCT_REPLIES.noAuth : offeredInClear ? CONDUCT_REPLIES.encryptionRequired : CONDUCT_REPLIES.startTlsFirst);
      setImmediate(() => callback?.());
      return;
    }
    if (verb === 'STARTTLS' && !tls && target.hostNameAppearsAs) {
      reply(CONDUCT_REPLIES.noTls);
      setImmediate(() => callback?.());
      return;
    }
    original(command, callback);
  };
}
