/**
 * The compose form's limits and connection profiles, apart from their schemas (delivery.ts): the
 * page's form state reads them on its first screen, and the schemas' validator loads only when a
 * message is sent.
 */

/** Attachments travel inside the compose message, base64-encoded; their decoded total is capped. */
export const MAX_ATTACHMENT_BYTES = 2 * 1024 * 1024;
export const MAX_RECIPIENTS_PER_FIELD = 20;

/**
 * How the client connects, as in a mail client's account dialog:
 * submission = port 587 role, STARTTLS then AUTH; smtps = port 465 role, implicit TLS then AUTH;
 * plain = port 25 role, no TLS, no AUTH.
 */
export const CONNECTION_PROFILES = ['submission', 'smtps', 'plain'] as const;
export type ConnectionProfile = (typeof CONNECTION_PROFILES)[number];
