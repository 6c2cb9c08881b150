/**
 * How a delivery ended, in the learner's words: the server's reply when there was one, and
 * otherwise what went wrong on the way (a timeout, a dropped connection, a TLS problem).
 */
import type { DeliverySummary } from '../../core/protocol/delivery';

/** The queue id in "250 2.0.0 Ok: queued as 1A2B3C". */
export function parseQueueId(response: string | undefined): string | null {
  return /queued as ([A-Za-z0-9._-]+)/.exec(response ?? '')?.[1] ?? null;
}

interface MailError {
  code?: string;
  response?: string;
  responseCode?: number;
  message?: string;
}

export function describeFailure(error: unknown): Pick<DeliverySummary, 'outcome' | 'response' | 'error'> {
  const e: MailError = typeof error === 'object' && error !== null ? (error as MailError) : { message: String(error) };
  if (typeof e.response === 'string' && /^[2-5]\d\d/.test(e.response)) {
    return { outcome: 'refused', response: e.response, error: refusal(e.response) };
  }
  return { outcome: 'failed', response: null, error: plainWords(e) };
}

function refusal(response: string): string {
  const code = Number(response.slice(0, 3));
  if (code === 535) return `The server refused the login (${code}): the user name or password is not a lab account.`;
  if (code === 530) return `The server wants a login first (${code}).`;
  if (code === 421) return `The server closed the connection (${code}).`;
  return `${code >= 500 ? 'The server refused' : 'The server put off'} the message (${code}).`;
}

function plainWords(e: MailError): string {
  switch (e.code) {
    case 'ETIMEDOUT':
      return `The client gave up waiting: ${e.message ?? 'timeout'}.`;
    case 'ECONNECTION':
    case 'ESOCKET':
      return `The connection ended before the server answered (${e.message ?? e.code}).`;
    case 'ETLS':
      return `TLS could not be set up: ${e.message ?? 'handshake failed'}.`;
    default:
      return e.message ?? 'The delivery failed for an unknown reason.';
  }
}
