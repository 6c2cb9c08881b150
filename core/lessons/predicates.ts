/**
 * Lesson goals as data: declarative predicates over what really happened — the lines on the wire,
 * the replies and the commands they answer, the session machine's states, and the stored messages.
 * Lesson files write them in YAML; this schema checks them and names the field that is wrong.
 */
import { z } from 'zod';
import { SESSION_STATES } from '../machines/session-model';

/** A regular expression written as a string in a lesson file; checked when the lesson is loaded. */
export const pattern = z.string().min(1).refine(
  (source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'is not a valid regular expression' },
);

/** 250, or a class like "5xx". */
const code = z.union([z.number().int().min(200).max(599), z.string().regex(/^[2-5]xx$/)]);

export const replyMatchSchema = z.strictObject({
  code: code.optional(),
  /** Enhanced status code, e.g. "5.1.1". */
  enhanced: z.string().regex(/^[245]\.\d{1,3}\.\d{1,3}$/).optional(),
  /** The verb of the command it answers; 'greeting' for the greeting, '.' for the end of data. */
  answers: z.string().min(1).optional(),
  /** Pattern over the whole command line it answers. */
  command: pattern.optional(),
  /** Pattern over the reply text (all lines joined by "\n"). */
  text: pattern.optional(),
  /** True: a reply of several lines (NNN- then NNN ). */
  multiline: z.boolean().optional(),
  tls: z.boolean().optional(),
});

export const commandMatchSchema = z.strictObject({
  verb: z.string().min(1),
  /** Pattern over the whole line. */
  line: pattern.optional(),
  /** Sent while the session was in one of these states, e.g. [mail, rcpt]: inside a transaction. */
  during: z.array(z.enum(SESSION_STATES)).min(1).optional(),
  tls: z.boolean().optional(),
});

export const lineMatchSchema = z.strictObject({
  dir: z.enum(['client', 'server']),
  matches: pattern,
  /** How the session read a client line: command, data, auth or bdat. */
  mode: z.enum(['command', 'data', 'auth', 'bdat']).optional(),
  tls: z.boolean().optional(),
  /**
   * True: the client wrote the line before the server line recorded above it. A line pipelined
   * past DATA or AUTH is recorded once the reply says how the server read it, so it stands after
   * that reply although it was sent before it.
   */
  early: z.boolean().optional(),
});

export const messageMatchSchema = z.strictObject({
  /** The mailbox a copy was delivered into (after the relay); the lab's own accepted copy has none. */
  mailbox: z.string().min(3).optional(),
  /** An envelope recipient of the message (RCPT TO). */
  to: z.string().min(3).optional(),
  /** The envelope sender (MAIL FROM); '' for the null reverse-path. */
  from: z.string().optional(),
  header: z
    .strictObject({ name: z.string().min(1), matches: pattern.optional(), absent: z.boolean().optional() })
    .optional(),
  body: pattern.optional(),
  raw: pattern.optional(),
  /** Header field name that must appear at least this many times, e.g. Received twice. */
  headerCount: z.strictObject({ name: z.string().min(1), atLeast: z.number().int().min(1) }).optional(),
  /**
   * A MIME part of the message (RFC 2045, 2046) as the Inbox's MIME tree reads it: a pattern over
   * its type, and over its Content-Transfer-Encoding; `children`, one pattern per child part in
   * order, for a multipart whose boundary really splits its body.
   */
  part: z
    .strictObject({ type: pattern, encoding: pattern.optional(), children: z.array(pattern).min(1).optional() })
    .optional(),
  /** true: the copy sits in the mailbox's Junk folder (the sender's DMARC policy said quarantine); false: in the Inbox. */
  junk: z.boolean().optional(),
});

/**
 * Something the mail world did: a DNS lookup, a relay attempt, a hop, a recipient's fate, a bounce —
 * or a change to the learner's own zone (`zone`: published, refused or reset).
 */
export const worldMatchSchema = z.strictObject({
  type: z.enum(['queued', 'dns.lookup', 'relay.connecting', 'relay.unreachable', 'relay.hop', 'recipient', 'bounce', 'stored', 'zone']),
  /** The domain looked up or relayed to. */
  domain: z.string().min(1).optional(),
  /** Pattern over the host chosen, tried or used. */
  host: pattern.optional(),
  /** For recipient events: delivered, deferred, failed, outside or suppressed; for zone events: published, refused or reset. */
  outcome: z.enum(['delivered', 'deferred', 'failed', 'outside', 'suppressed', 'published', 'refused', 'reset']).optional(),
  /** For zone events: pattern over one of the reasons a record was refused. */
  reason: pattern.optional(),
});

export type WorldMatch = z.infer<typeof worldMatchSchema>;
export type ReplyMatch = z.infer<typeof replyMatchSchema>;
export type CommandMatch = z.infer<typeof commandMatchSchema>;
export type LineMatch = z.infer<typeof lineMatchSchema>;
export type MessageMatch = z.infer<typeof messageMatchSchema>;

export type Predicate =
  | { reply: ReplyMatch }
  | { command: CommandMatch }
  | { line: LineMatch }
  | { state: (typeof SESSION_STATES)[number] }
  | { tls: true }
  /**
   * At least this many commands were on the wire before the reply to the first of them, in a batch
   * RFC 2920 §3.1 allows: EHLO, HELO, DATA, QUIT, NOOP, VRFY, EXPN, STARTTLS and AUTH only last.
   */
  | { pipelined: number }
  | { message: MessageMatch }
  | { noMessage: MessageMatch }
  | { world: WorldMatch }
  /** Holds in a conversation the learner had (not one of the lab's relay hops). */
  | { mine: Predicate }
  /** Holds in one of the lab's relay hops: the lab's server talking to the next one, not the learner. */
  | { hop: Predicate }
  /** All hold in the same conversation. */
  | { all: Predicate[] }
  | { any: Predicate[] }
  | { not: Predicate }
  /** Each holds later in the same conversation than the one before. */
  | { sequence: Predicate[] };

export const predicateSchema: z.ZodType<Predicate> = z.lazy(() =>
  z.union([
    z.strictObject({ reply: replyMatchSchema }),
    z.strictObject({ command: commandMatchSchema }),
    z.strictObject({ line: lineMatchSchema }),
    z.strictObject({ state: z.enum(SESSION_STATES) }),
    z.strictObject({ tls: z.literal(true) }),
    z.strictObject({ pipelined: z.number().int().min(2) }),
    z.strictObject({ message: messageMatchSchema }),
    z.strictObject({ noMessage: messageMatchSchema }),
    z.strictObject({ world: worldMatchSchema }),
    z.strictObject({ mine: predicateSchema }),
    z.strictObject({ hop: predicateSchema }),
    z.strictObject({ all: z.array(predicateSchema).min(1) }),
    z.strictObject({ any: z.array(predicateSchema).min(1) }),
    z.strictObject({ not: predicateSchema }),
    z.strictObject({ sequence: z.array(predicateSchema).min(2) }),
  ]),
);
