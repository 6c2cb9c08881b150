/**
 * From the compose form to what nodemailer sends, and how it connects. Everything a learner can
 * get wrong is caught here, with a message that says what to fix, before a byte goes out.
 */
import type { SendMailOptions } from 'nodemailer/lib/mailer';
import type { SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import {
  composeSchema,
  connectionSchema,
  MAX_ATTACHMENT_BYTES,
  type ComposeForm,
  type ConnectionProfile,
  type ConnectionSettings,
} from '../../core/protocol/delivery';
import { ComposeError } from '../lab/lab-types';
import type { DeliveryTimeouts } from './timeouts';

/** The name nodemailer gives in EHLO, so learners can tell the lab's own client in a transcript. */
export const COMPOSE_CLIENT_NAME = 'compose.lab.test';

/** The ports a mail client would use for each profile; shown in nodemailer's options only. */
const PROFILE_PORTS: Record<ConnectionProfile, number> = { submission: 587, smtps: 465, plain: 25 };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Validate the form (schema first, then what the schema cannot see) and build the message. */
export function composeMessage(input: unknown): SendMailOptions {
  const parsed = composeSchema.safeParse(input);
  if (!parsed.success) throw new ComposeError(firstIssue(parsed.error.issues));
  const form: ComposeForm = parsed.data;
  let total = 0;
  const attachments = form.attachments.map((attachment) => {
    const base64 = attachment.contentBase64.replace(/\s+/g, '');
    if (!BASE64.test(base64) || base64.length % 4 === 1) {
      throw new ComposeError(`Attachment "${attachment.filename}" is not valid base64.`);
    }
    const content = Buffer.from(base64, 'base64');
    total += content.length;
    return { filename: attachment.filename, contentType: attachment.contentType, content };
  });
  if (total > MAX_ATTACHMENT_BYTES) {
    throw new ComposeError(`Attachments add up to ${formatBytes(total)}; the limit is ${formatBytes(MAX_ATTACHMENT_BYTES)}.`);
  }
  return {
    from: form.from,
    to: form.to,
    cc: form.cc,
    bcc: form.bcc,
    subject: form.subject,
    text: form.text,
    ...(form.html !== undefined ? { html: form.html } : {}),
    attachments,
    // Content comes only from the form: never let a path or URL in it make the bridge read a file.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

export function connectionSettings(input: unknown): ConnectionSettings {
  const parsed = connectionSchema.safeParse(input);
  if (!parsed.success) throw new ComposeError(firstIssue(parsed.error.issues));
  return parsed.data;
}

export interface TransportContext {
  caPem: string;
  /** Used when the form leaves user or password empty. */
  demo: { user: string; pass: string };
  timeouts: DeliveryTimeouts;
}

/**
 * nodemailer's options for a profile, as a mail client's account dialog would set them. It trusts
 * only the lab CA, so a TLS problem shows up as one instead of being waved through.
 */
export function transportOptions(profile: ConnectionProfile, settings: ConnectionSettings, context: TransportContext): SMTPTransportOptions {
  const auth = { user: settings.user || context.demo.user, pass: settings.pass || context.demo.pass };
  const common: SMTPTransportOptions = {
    host: 'localhost',
    port: PROFILE_PORTS[profile],
    name: COMPOSE_CLIENT_NAME,
    tls: { ca: [context.caPem], servername: 'localhost' },
    connectionTimeout: context.timeouts.connectionMs,
    greetingTimeout: context.timeouts.greetingMs,
    socketTimeout: context.timeouts.socketMs,
    logger: false,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  switch (profile) {
    case 'submission':
      return { ...common, secure: false, requireTLS: true, auth };
    case 'smtps':
      return { ...common, secure: true, auth };
    case 'plain':
      return { ...common, secure: false, ignoreTLS: true };
  }
}

function firstIssue(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  const issue = issues[0];
  if (!issue) return 'The form cannot be sent.';
  const where = issue.path.map(String).join('.');
  return where ? `${where} ${issue.message}` : issue.message;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}
