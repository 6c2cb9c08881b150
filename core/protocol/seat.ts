/**
 * "Be the server": the learner's server seat, as both ends of the WebSocket see it. The clients the
 * learner can start against it, the prepared messages they send, and what the client reported at
 * the end (the sender's view of the learner's replies).
 */
import { SEAT_DOMAIN } from '../world/seat-world';

/** nodemailer as a sender's app talking straight to the learner's server, or the lab's relay (an MTA with a queue). */
export const SEAT_CLIENTS = ['nodemailer', 'relay'] as const;
export type SeatClient = (typeof SEAT_CLIENTS)[number];

export interface PreparedMessage {
  id: string;
  /** What the learner picks from. */
  label: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** nodemailer logs in with the lab account first, when the server offers AUTH. */
  login?: boolean;
}

export const PREPARED_MESSAGES = [
  {
    id: 'note',
    label: 'A short note to bob',
    from: 'learner@lab.test',
    to: [`bob@${SEAT_DOMAIN}`],
    subject: 'Hello, server',
    text: 'This message was sent to a server whose every reply a learner typed.\n',
  },
  {
    id: 'two',
    label: 'One note to bob and carol',
    from: 'learner@lab.test',
    to: [`bob@${SEAT_DOMAIN}`, `carol@${SEAT_DOMAIN}`],
    subject: 'For both of you',
    text: 'Two recipients, one message: the server may accept one and refuse the other.\n',
  },
  {
    id: 'login',
    label: 'A note sent after logging in (AUTH)',
    from: 'learner@lab.test',
    to: [`bob@${SEAT_DOMAIN}`],
    subject: 'Sent with a login',
    text: 'The client logs in with the lab account first when the server offers AUTH.\n',
    login: true,
  },
  {
    id: 'big',
    label: 'A big message (about 60 KB)',
    from: 'learner@lab.test',
    to: [`bob@${SEAT_DOMAIN}`],
    subject: 'A long report',
    text: `${'This line makes the message long enough to test a SIZE limit.\n'.repeat(1000)}`,
  },
] as const satisfies readonly PreparedMessage[];

export type PreparedMessageId = (typeof PREPARED_MESSAGES)[number]['id'];
export const PREPARED_MESSAGE_IDS = PREPARED_MESSAGES.map((m) => m.id) as [PreparedMessageId, ...PreparedMessageId[]];

/**
 * How long the clients wait for each of the learner's replies in teaching mode. RFC 5321 §4.5.3.2
 * asks a client for 5 minutes at most steps (2 at DATA, 10 after the final dot); a learner reading
 * the explanation of a command needs more, so the lab gives 10 minutes everywhere, and says so.
 */
export const SEAT_TEACHING_TIMEOUT_MS = 10 * 60_000;

/** Where the learner's server listens, and how long its clients wait for a reply. */
export interface SeatInfo {
  host: string;
  port: number;
  /** The domain whose MX the seat is (mail the relay carries there comes to it). */
  domain: string;
  mxHost: string;
  timeoutMs: number;
}

/** What a client reported at the end: nodemailer's own result, as an app that sent the mail would see it. */
export interface SeatClientReport {
  run: string;
  client: SeatClient;
  message: PreparedMessageId;
  /** nodemailer: recipients it says were accepted and refused. */
  accepted: string[];
  rejected: string[];
  /** The last reply nodemailer quotes (e.g. "250 2.0.0 queued"), or its error. */
  response: string | null;
  error: string | null;
}
