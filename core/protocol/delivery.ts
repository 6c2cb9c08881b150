/**
 * Compose and step-through: the messages that send a real email with the bridge's nodemailer and
 * hold it at every client unit until the learner says Next.
 */
import { z } from 'zod';
import { CONNECTION_PROFILES, MAX_ATTACHMENT_BYTES, MAX_RECIPIENTS_PER_FIELD, type ConnectionProfile } from './compose-limits';

export { CONNECTION_PROFILES, MAX_ATTACHMENT_BYTES, MAX_RECIPIENTS_PER_FIELD, type ConnectionProfile } from './compose-limits';

/** An address as SMTP carries it: local@domain, no display name, no spaces or brackets. */
export const mailboxAddress = z
  .string()
  .trim()
  .max(254)
  .regex(/^[^\s<>@",;:()[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/, {
    message: 'is not an address like name@example.test',
  });

export const attachmentSchema = z.object({
  filename: z.string().min(1).max(200),
  contentType: z.string().max(100).default('application/octet-stream'),
  /** base64 of the file's bytes */
  contentBase64: z.string().max(Math.ceil((MAX_ATTACHMENT_BYTES * 4) / 3) + 4),
});

/** The compose form, with `address` the rule for each of its addresses (a lesson's may name the learner's domain). */
export function composeSchemaFor(address: z.ZodType<string>) {
  const list = z.array(address).max(MAX_RECIPIENTS_PER_FIELD);
  return z
    .object({
      from: address,
      to: list,
      cc: list.default([]),
      bcc: list.default([]),
      subject: z.string().max(998).default(''),
      text: z.string().max(1024 * 1024).default(''),
      html: z.string().max(1024 * 1024).optional(),
      attachments: z.array(attachmentSchema).max(10).default([]),
    })
    .refine((c) => c.to.length + c.cc.length + c.bcc.length > 0, {
      message: 'needs at least one recipient (To, Cc or Bcc)',
      path: ['to'],
    });
}

export const composeSchema = composeSchemaFor(mailboxAddress);

export const connectionSchema = z.object({
  profile: z.enum(CONNECTION_PROFILES),
  /** Credentials for AUTH (ignored by the plain profile). Only lab credentials are ever shown decoded. */
  user: z.string().max(200).optional(),
  pass: z.string().max(200).optional(),
});

export type ComposeForm = z.infer<typeof composeSchema>;
export type ConnectionSettings = z.infer<typeof connectionSchema>;

export const DELIVERY_ACTIONS = ['next', 'play', 'pause', 'run', 'abort'] as const;
export type DeliveryAction = (typeof DELIVERY_ACTIONS)[number];

/** Play speeds the UI offers: milliseconds between units. */
export const PLAY_INTERVALS_MS = [250, 700, 1500] as const;

/** One thing the client wants to send, held by the gate: a command, or the whole message content. */
export interface GateUnit {
  /** 0-based count of units released before this one. */
  index: number;
  kind: 'command' | 'content';
  /** The lines of the unit as the client wrote them (for AUTH with non-lab credentials: redacted). */
  lines: string[];
  /** Bytes the unit takes on the wire. */
  bytes: number;
  tls: boolean;
}

export type DeliveryOutcome = 'accepted' | 'refused' | 'aborted' | 'failed';

export interface DeliverySummary {
  id: string;
  /** The conversation that carries this delivery's first hop. */
  conversation: string;
  mode: 'step' | 'instant';
  /** For a relay hop: 'plain', the port 25 role that MTAs speak to each other. */
  profile: ConnectionProfile;
  /**
   * Absent (or 'submission') for the learner's own delivery into the lab. 'relay' for a relay hop
   * of a stepped delivery: the relay's client is held at a gate too, and the same controls
   * (delivery.control with this id) step it; `conversation` is the hop's conversation.
   */
  kind?: 'submission' | 'relay';
  /** For a relay hop: 1 for the hop to the recipient's MX, 2 for a bounce coming back, ... */
  hop?: number;
  /** For a relay hop: the id of the stepped delivery whose mail it carries. */
  parent?: string;
  /**
   * A stepped delivery whose relay hops the learner chose to step too: each hop waits at a gate
   * of its own. Absent or false: Run to end (or the last Next) carries the mail through its hops.
   */
  stepHops?: boolean;
  startedAt: number;
  endedAt: number | null;
  outcome: DeliveryOutcome | null;
  /** The last reply's text when the delivery ended, e.g. "250 2.6.0 Ok: queued as 1A2B3C". */
  response: string | null;
  /** The queue id in the final 250 reply. */
  queueId: string | null;
  /** The captured message's id, for a link to it. */
  messageId: string | null;
  /** Why a failed delivery failed, in plain words. */
  error: string | null;
}

export interface GateState {
  delivery: string;
  /** The unit waiting for Next; null when nothing is held (the client is waiting for a reply, or it is over). */
  held: GateUnit | null;
  /** Units released so far. */
  released: number;
  playing: boolean;
  intervalMs: number;
}
