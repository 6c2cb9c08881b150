/**
 * A lesson's outside client: the learner's own program pointed at the lab's SMTP port. It is a
 * real nodemailer, as an application would use it — not the compose form's stepped delivery —
 * so its conversation is recorded as an outside one, and what it does to a message (dot-stuffing,
 * Bcc) is the library's own doing.
 */
import nodemailer from 'nodemailer';
import type { ComposeForm } from '../../core/protocol/delivery';
import type { Lab } from '../lab/lab-types';
import { DEMO_CREDENTIALS } from '../lab/smtp-server';
import { composeMessage } from '../outbound/compose';

/** The name the outside client gives in EHLO, as an application on a machine of its own would. */
export const OUTSIDE_CLIENT_NAME = 'my-app.test';

/**
 * Sends one message and resolves when the client is done. A refusal (an SMTP reply) is part of
 * what the lesson checks, so it resolves then too; a client that could not talk at all throws.
 */
export async function sendFromOutside(lab: Lab, message: ComposeForm, login: boolean): Promise<void> {
  const transport = nodemailer.createTransport({
    host: lab.smtpAddress.host,
    port: lab.smtpAddress.port,
    secure: false,
    requireTLS: login,
    ignoreTLS: !login,
    name: OUTSIDE_CLIENT_NAME,
    tls: { ca: lab.caPem },
    ...(login ? { auth: { user: DEMO_CREDENTIALS.user, pass: DEMO_CREDENTIALS.pass } } : {}),
  });
  try {
    await transport.sendMail(composeMessage(message));
  } catch (error) {
    if (!(error instanceof Error && 'responseCode' in error)) throw error;
  } finally {
    transport.close();
  }
}
