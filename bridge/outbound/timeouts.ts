/**
 * How long both ends of a stepped delivery wait. A learner may leave a delivery paused, go for a
 * coffee and press Next fifteen minutes later; the lesson is lost if either library has hung up.
 * The libraries' defaults would: nodemailer's connectionTimeout (2 min) covers everything up to the
 * end of STARTTLS, its greetingTimeout (30 s) bounds the STARTTLS handshake as well, its
 * socketTimeout (10 min) any silence; smtp-server's socketTimeout (60 s) ends with 421.
 */

export interface DeliveryTimeouts {
  /** nodemailer connectionTimeout: from connecting to the end of STARTTLS. */
  connectionMs: number;
  /** nodemailer greetingTimeout: the greeting, and the STARTTLS handshake. */
  greetingMs: number;
  /** nodemailer socketTimeout: silence from the server at any point. */
  socketMs: number;
  /** smtp-server socketTimeout on the servers the compose client talks to: silence from the client. */
  serverSocketMs: number;
}

/** A paused delivery survives an hour: well past the fifteen minutes a learner may wander off. */
export const STEP_PATIENCE_MS = 60 * 60_000;

export const DELIVERY_TIMEOUTS: DeliveryTimeouts = {
  connectionMs: STEP_PATIENCE_MS,
  greetingMs: STEP_PATIENCE_MS,
  socketMs: STEP_PATIENCE_MS,
  serverSocketMs: STEP_PATIENCE_MS,
};

/** What the libraries would use on their own (nodemailer 10 and smtp-server 3), for comparison. */
export const LIBRARY_DEFAULT_TIMEOUTS: DeliveryTimeouts = {
  connectionMs: 2 * 60_000,
  greetingMs: 30_000,
  socketMs: 10 * 60_000,
  serverSocketMs: 60_000,
};
