/**
 * TLS sessions the relay may resume, one per host, as an MTA keeps them (Postfix's TLS session
 * cache): the next connection to that host offers the host's last ticket (TLS 1.3, RFC 8446
 * §2.2) and skips the certificate exchange. A ticket is used once, then the newest one the host
 * sent on that connection takes its place.
 */
import tls from 'node:tls';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';

/** Hosts whose tickets are kept: far more than a lab world has; the oldest goes first. */
export const MAX_TLS_SESSIONS = 64;

export class TlsSessions {
  readonly #sessions = new Map<string, Buffer>();
  readonly #max: number;

  constructor(max = MAX_TLS_SESSIONS) {
    this.#max = max;
  }

  /** The session to offer `host` now, if one is kept; taken, so no two handshakes offer the same ticket. */
  take(host: string): Buffer | undefined {
    const session = this.#sessions.get(host);
    this.#sessions.delete(host);
    return session;
  }

  /**
   * Keep what `connection` (just connected, after STARTTLS if any) can give for `host`'s next
   * connection: its session now, and each ticket the host sends later on it.
   */
  watch(host: string, connection: SMTPConnection): void {
    const socket = connection._socket;
    if (!(socket instanceof tls.TLSSocket)) return;
    const session = socket.getSession();
    if (session) this.#keep(host, session);
    socket.on('session', (ticket: Buffer) => this.#keep(host, ticket));
  }

  #keep(host: string, session: Buffer): void {
    this.#sessions.delete(host);
    this.#sessions.set(host, session);
    if (this.#sessions.size > this.#max) this.#sessions.delete(this.#sessions.keys().next().value ?? '');
  }
}
