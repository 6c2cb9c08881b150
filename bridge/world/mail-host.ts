/**
 * One lab mail host (an MX): a real smtp-server with no listening port of its own, fed sockets by
 * the world. Its answers come from the recipient policy; what it accepts it stamps with a
 * Received: header and files into per-address mailboxes.
 */
import type net from 'node:net';
import type { SMTPServerSession } from 'smtp-server';
import { SharedContextSMTPServer } from '../tap/shared-context-server';
import { forwardTargetOf, type ForwardTarget } from '../../core/world/forwarding';
import { decideRecipient, domainsServedBy, greylistKey, greylistVerdict, REPLIES } from '../../core/world/recipient-policy';
import { dmarcRefusal, headerTooBigRefusal, MAX_AUTH_HEADER_BYTES, QUARANTINE_HEADER } from '../../core/world/mail-auth-policy';
import { DEFAULT_MAX_MESSAGE_SIZE, GREYLIST_MIN_DELAY_MS, SLOW_REPLY_MS } from '../../core/world/world-definition';
import type { HostDefinition, WorldDefinition } from '../../core/world/world-types';
import { heloRefusal, type HeloDns } from '../../core/world/helo-policy';
import { LabDns } from '../../core/world/lab-dns';
import { useChunking } from '../lab/chunking';
import { useStrictHelo } from './strict-helo';
import type { LabCertificates } from '../lab/certificates';
import { headerBlock, MAX_HEADER_BYTES } from '../lab/message-headers';
import { useOwnEnhancedCodes } from '../lab/own-enhanced-codes';
import { dataRefusal, envelopeRefusal, labReplyError as replyError, useRfcConduct } from '../lab/smtp-conduct';
import { readMessage } from '../lab/read-message';
import { receivedHeader } from '../lab/received-header';
import type { LabClock } from './lab-clock';
import type { AuthCheck, AuthPeer } from './mail-auth';
import { Mailboxes, type StoredMessage } from './mailboxes';

/** A mail host advertises DSN and takes no AUTH: the parameters it knows follow from that. */
const OFFERS = { dsn: true, auth: false };

/** Greylist pairs remembered per host; the oldest are forgotten first. */
const MAX_GREYLIST_ENTRIES = 10_000;

/** A message bounce@ accepted, handed back so the world can bounce it later. */
export interface LateBounce {
  host: HostDefinition;
  envelopeFrom: string;
  recipient: string;
  orcpt: string | null;
  notify: string[] | null;
  ret: string | null;
  envid: string | null;
  raw: Buffer;
  arrivedAt: number;
}

/** A message for an alias or list of this host, handed to the world to send on. */
export interface ForwardRequest {
  host: HostDefinition;
  target: ForwardTarget;
  envelopeFrom: string;
  /** The message as it arrived, with this host's Received: on top (no Authentication-Results). */
  raw: Buffer;
  /** What this host found about the sender on arrival: the ARC seal carries it on. */
  check: AuthCheck | null;
  arrivedAt: number;
}

export interface MailHostOptions {
  definition: HostDefinition;
  world: WorldDefinition;
  certificates: LabCertificates;
  clock: LabClock;
  mailboxes: Mailboxes;
  slowReplyMs?: number;
  greylistDelayMs?: number;
  onStored(message: StoredMessage): void;
  onLateBounce(bounce: LateBounce): void;
  /**
   * A copy filed for a recipient that asked for NOTIFY=SUCCESS: the host advertises DSN, so it owes
   * the sender a "delivered" report (RFC 3461 §5.2.2); the fields are those of a late bounce.
   */
  onDelivered?(report: LateBounce): void;
  /** A copy for one of the host's aliases or lists (HostDefinition's domain's `forwarding`): sent on, not stored. */
  onForward?(request: ForwardRequest): void;
  /** Who is the sender: SPF, DKIM and DMARC of a message before it is stored. Absent: no checks. */
  authenticate?(raw: Buffer, peer: AuthPeer): Promise<AuthCheck>;
  /** The largest header section `authenticate` is given; a bigger one is refused (MAX_AUTH_HEADER_BYTES). */
  maxAuthHeaderBytes?: number;
  onAuth?(check: AuthCheck, conversation: string): void;
  /** The lab DNS as it answers now, for a strict host's PTR checks. Absent: the world's fixed records. */
  dns?(): HeloDns;
  log?(message: string): void;
}

export interface HostPeer {
  /** Becomes the session id, so stored messages name the conversation that brought them. */
  conversation: string;
  remoteAddress: string;
  remotePort: number;
}

export interface MailHost {
  readonly definition: HostDefinition;
  accept(socket: net.Socket, peer: HostPeer): void;
  close(): Promise<void>;
}

export function createMailHost(options: MailHostOptions): MailHost {
  const { definition, clock, mailboxes } = options;
  const log = options.log ?? (() => {});
  const served = domainsServedBy(options.world, definition);
  const slowMs = options.slowReplyMs ?? SLOW_REPLY_MS;
  const greylist = new Map<string, number>();
  const maxMessageSize = definition.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  const fixedDns = new LabDns(options.world);
  const dns = options.dns ?? ((): HeloDns => fixedDns);
  const maxAuthHeaderBytes = Math.min(options.maxAuthHeaderBytes ?? MAX_AUTH_HEADER_BYTES, MAX_HEADER_BYTES - 1);
  /** Whether the header section is small enough to check (headerBlock reads no further than MAX_HEADER_BYTES). */
  const checkable = (raw: Buffer) => headerBlock(raw).length <= maxAuthHeaderBytes;

  /** Hold a reply when a slow recipient is involved, so the learner sees the wait on the wire. */
  const reply = (slow: boolean, callback: (error?: Error | null, message?: string) => void, error?: Error, message?: string) => {
    const send = () => (error ? callback(error) : callback(null, message));
    if (slow) setTimeout(send, slowMs).unref();
    else send();
  };

  function passesGreylist(sender: string, recipient: string): boolean {
    const key = greylistKey(sender, recipient);
    const verdict = greylistVerdict(greylist.get(key), clock.now(), options.greylistDelayMs ?? GREYLIST_MIN_DELAY_MS);
    if (verdict === 'first') {
      greylist.set(key, clock.now());
      if (greylist.size > MAX_GREYLIST_ENTRIES) greylist.delete(greylist.keys().next().value ?? '');
    }
    return verdict === 'pass';
  }

  const server = new SharedContextSMTPServer({
    name: definition.name,
    // smtp-server puts "<name> ESMTP" in front of the banner itself.
    banner: 'SMTP Lab mail host',
    key: options.certificates.keyPem,
    cert: options.certificates.certPem,
    // A host without STARTTLS does not take it at all (hiding it from EHLO alone would still answer it).
    hideSTARTTLS: definition.starttls === 'none',
    disableReverseLookup: true,
    // An MX takes mail for its own domains from anyone, without AUTH, as on the Internet.
    authOptional: true,
    disabledCommands: definition.starttls === 'none' ? ['AUTH', 'STARTTLS'] : ['AUTH'],
    hideENHANCEDSTATUSCODES: false,
    // Advertise DSN (RFC 3461) so the relay passes NOTIFY, RET, ENVID and ORCPT on; smtp-server hides it by default.
    hideDSN: false,
    size: maxMessageSize,
    rejectOversized: true,
    socketTimeout: 10 * 60_000,
    logger: false,
    onMailFrom(address, session, callback) {
      const refusal = envelopeRefusal('MAIL', address, session, OFFERS);
      callback(refusal ? replyError(refusal) : undefined);
    },
    onRcptTo(address, session, callback) {
      const refusal = envelopeRefusal('RCPT', address, session, OFFERS);
      if (refusal) return callback(replyError(refusal));
      const decision = decideRecipient(served, address.address);
      if (decision.action === 'accept') return reply(decision.slow, callback);
      const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      if (decision.action === 'greylist' && passesGreylist(sender, address.address)) return reply(decision.slow, callback);
      reply(decision.slow, callback, replyError(decision.reply));
    },
    onData(stream, session, callback) {
      readMessage(stream)
        .then((received) => (stream.sizeExceeded ? callback(replyError(REPLIES.tooBig)) : receive(received, session, callback)))
        .catch((error: unknown) => notStored(error, callback));
    },
  });
  server.on('error', (error) => log(`${definition.name}: ${error.message}`));

  /** A whole message, from DATA or from the last BDAT chunk: checked, stamped and filed, or refused. */
  function receive(received: Buffer, session: SMTPServerSession, callback: (error?: Error | null, message?: string) => void): void {
    (async () => {
      if (options.authenticate && !checkable(received)) return callback(replyError(headerTooBigRefusal(maxAuthHeaderBytes)));
      const refused = dataRefusal(received, session);
      if (refused) return callback(replyError(refused));
      const check = await checkSender(received, session);
      // p=reject: refused at the end of DATA, so the relay turns it into a bounce (RFC 7489 §6.6).
      if (check?.verdict === 'rejected') return callback(replyError(dmarcRefusal(check.fromDomain)));
      const marks = check ? check.header + (check.verdict === 'quarantined' ? `${QUARANTINE_HEADER}: DMARC policy of ${check.fromDomain} (p=quarantine)\r\n` : '') : '';
      const raw = marks ? Buffer.concat([Buffer.from(marks), received]) : received;
      const id = Mailboxes.newId();
      let slow = false;
      for (const rcpt of session.envelope.rcptTo) {
        const decision = decideRecipient(served, rcpt.address);
        slow ||= decision.slow;
        const target = options.onForward ? forwardTargetOf(served, rcpt.address) : null;
        if (target) options.onForward?.({ host: definition, target, envelopeFrom: envelope(session), raw: Buffer.concat([Buffer.from(trace(session, id, rcpt.address)), received]), check, arrivedAt: clock.now() });
        else if (decision.action === 'accept' && decision.lateBounce) options.onLateBounce(lateBounce(definition, session, rcpt, raw, clock.now()));
        else {
          options.onStored(store(rcpt.address, id, raw, session, check?.verdict === 'quarantined'));
          if (rcpt.dsn?.notify?.includes('SUCCESS')) options.onDelivered?.(lateBounce(definition, session, rcpt, raw, clock.now()));
        }
      }
      reply(slow, callback, undefined, `Ok: queued as ${id}`);
    })().catch((error: unknown) => notStored(error, callback));
  }

  function notStored(error: unknown, callback: (error?: Error | null) => void): void {
    log(`${definition.name}: message not stored: ${String(error)}`);
    callback(replyError({ code: 451, enhanced: '4.3.0', text: 'Message could not be stored, try again' }));
  }

  async function checkSender(raw: Buffer, session: SMTPServerSession): Promise<AuthCheck | null> {
    if (!options.authenticate) return null;
    const peer = {
      ip: session.remoteAddress,
      helo: session.hostNameAppearsAs || session.clientHostname,
      sender: envelope(session),
      mta: definition.name,
      ...(definition.trustedArcSealers?.length ? { trustedArcSealers: [...definition.trustedArcSealers] } : {}),
    };
    const check = await options.authenticate(raw, peer);
    options.onAuth?.(check, session.id);
    return check;
  }

  /** The Received: this host writes for a message it takes responsibility for (RFC 5321 §4.4). */
  function trace(session: SMTPServerSession, id: string, recipient: string): string {
    return receivedHeader({
      helo: session.hostNameAppearsAs || session.clientHostname,
      remoteAddress: session.remoteAddress,
      by: definition.name,
      protocol: session.transmissionType,
      id,
      recipient,
      tls: session.secure && session.tlsOptions ? { protocol: session.tlsOptions.version ?? 'TLS', cipher: session.tlsOptions.name } : null,
      date: new Date(clock.now()),
    });
  }

  function store(recipient: string, id: string, raw: Buffer, session: SMTPServerSession, quarantined = false): StoredMessage {
    const envelopeFrom = envelope(session);
    return mailboxes.add({
      mailbox: recipient,
      host: definition.name,
      conversation: session.id,
      envelopeFrom,
      envelopeTo: [recipient],
      receivedAt: clock.now(),
      outside: false,
      ...(quarantined ? { quarantined } : {}),
      raw: finalDelivery(envelopeFrom, Buffer.concat([Buffer.from(trace(session, id, recipient)), raw])),
    });
  }

  return {
    definition,
    accept(socket, peer) {
      const before = new Set(server.connections);
      server.connect(socket, { id: peer.conversation, remoteAddress: peer.remoteAddress, remotePort: peer.remotePort });
      for (const connection of server.connections) {
        if (before.has(connection)) continue;
        useOwnEnhancedCodes(connection);
        useRfcConduct(connection, { authAfterTls: false, tls: definition.starttls !== 'none' });
        if (definition.chunking) useChunking(connection, { maxBytes: maxMessageSize, deliver: receive });
        if (definition.strictHelo) useStrictHelo(connection, (name, address) => heloRefusal(name, address, dns()));
      }
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}



function envelope(session: SMTPServerSession): string {
  return session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
}

/** Final delivery writes the envelope sender on top, where a reader finds whom bounces go to (RFC 5321 §4.4). */
export function finalDelivery(envelopeFrom: string, raw: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`Return-Path: <${envelopeFrom}>\r\n`), raw]);
}

function lateBounce(host: HostDefinition, session: SMTPServerSession, rcpt: SMTPServerSession['envelope']['rcptTo'][number], raw: Buffer, at: number): LateBounce {
  return {
    host,
    envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    recipient: rcpt.address,
    orcpt: rcpt.dsn?.orcpt ?? null,
    notify: rcpt.dsn?.notify ?? null,
    ret: session.envelope.dsn?.ret ?? null,
    envid: session.envelope.dsn?.envid ?? null,
    raw,
    arrivedAt: at,
  };
}

