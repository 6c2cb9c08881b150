/**
 * How a delivery ended, in the learner's words. The outcome, the queue id and the reply come from
 * the wire: the journey machine reads the conversation's recorded lines (the session tracker does
 * the reading underneath). Only what never reached the wire — a timeout, a dropped connection, a
 * TLS problem — comes from the client library's error.
 */
import { JourneyTracker } from '../../core/machines/journey-tracker';
import { replyLine } from '../../core/machines/transaction-fates';
import type { DeliverySummary } from '../../core/protocol/delivery';
import type { TapEvent } from '../tap/line-tap';

type Outcome = Pick<DeliverySummary, 'outcome' | 'response' | 'queueId' | 'error'>;

/** Who refused, in the words of the summary: the lab's own server, or the next hop's. */
export type Refuser = 'The server' | 'The receiving server';

/** The journey of one delivery's conversation, fed the events as the tap records them. */
export class WireOutcome {
  readonly #journey = new JourneyTracker();

  observe(event: TapEvent): void {
    this.#journey.push({ ...event, conversation: '', hop: 0 });
  }

  /** Accepted or refused as the server's own replies say, or null while the wire has not decided. */
  verdict(who: Refuser): Outcome | null {
    const { state, context } = this.#journey;
    const reply = context.response;
    if (!reply) return null;
    const response = replyLine(reply);
    if (state === 'accepted') return { outcome: 'accepted', response, queueId: context.queueId, error: null };
    if (state === 'refused') return { outcome: 'refused', response, queueId: null, error: refusal(reply.code, who) };
    return null;
  }
}

function refusal(code: number, who: Refuser): string {
  if (code === 535) return `${who} refused the login (${code}): the user name or password is not a lab account.`;
  if (code === 530) return `${who} wants a login first (${code}).`;
  if (code === 421) return `${who} closed the connection (${code}).`;
  return `${who} ${code >= 500 ? 'refused' : 'put off'} the message (${code}).`;
}

interface MailError {
  code?: string;
  message?: string;
}

/** A failure that never reached the wire as a reply: the client's own words for it. */
export function describeFailure(error: unknown): Pick<DeliverySummary, 'outcome' | 'response' | 'error'> {
  const e: MailError = typeof error === 'object' && error !== null ? (error as MailError) : { message: String(error) };
  return { outcome: 'failed', response: null, error: plainWords(e) };
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
