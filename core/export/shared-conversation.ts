/**
 * Opening a conversation another lab shared: the JSON export (toJson), checked with the same schema
 * library as the bridge protocol, in order (size, then JSON, then schema), turned back into wire
 * events. A bad file gets an error that says what is wrong and where; nothing of it is kept.
 */
import { z } from 'zod';
import type { WireEvent } from '../wire';

/** Largest file a lab opens as a shared conversation (a 10 MB message is ~200,000 lines of JSON). */
export const MAX_SHARED_FILE_BYTES = 64 * 1024 * 1024;

const INFO_KINDS = ['connected', 'tls', 'closed', 'error', 'record'] as const satisfies ReadonlyArray<NonNullable<WireEvent['info']>>;

const lineSchema = z.strictObject({
  dir: z.enum(['client', 'server', 'info']),
  text: z.string(),
  at: z.number().finite().nonnegative(),
  tls: z.boolean(),
  hop: z.number().int().nonnegative(),
  info: z.enum(INFO_KINDS).optional(),
  cut: z.number().int().positive().optional(),
  redacted: z.boolean().optional(),
  sentAt: z.number().finite().nonnegative().optional(),
  record: z
    .strictObject({ from: z.enum(['client', 'server']), type: z.string(), bytes: z.number().int().nonnegative() })
    .optional(),
  bareLf: z.boolean().optional(),
});

const sharedSchema = z.object({
  conversation: z.string().min(1).max(200).nullable(),
  lines: z.array(lineSchema).min(1, 'The file holds no lines of a conversation'),
});

export interface SharedConversation {
  /** The id the conversation had in the lab that shared it. */
  id: string;
  events: WireEvent[];
}

export type SharedParse = { ok: true; shared: SharedConversation } | { ok: false; error: string };

function where(path: ReadonlyArray<PropertyKey>): string {
  if (path[0] === 'lines' && typeof path[1] === 'number') {
    return `line ${path[1] + 1}${path.length > 2 ? ` (${path.slice(2).map(String).join('.')})` : ''}`;
  }
  return path.length ? path.map(String).join('.') : 'the file';
}

/** Read a shared conversation file; `bytes` is its size, checked before anything is parsed. */
export function parseSharedConversation(text: string, bytes: number, fileName = 'The file'): SharedParse {
  if (bytes > MAX_SHARED_FILE_BYTES) {
    return { ok: false, error: `${fileName} is ${bytes} bytes; a shared conversation may be at most ${MAX_SHARED_FILE_BYTES} bytes.` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: `${fileName} is not JSON: open the file a lab saved with "JSON" under a conversation's ladder.` };
  }
  const parsed = sharedSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, error: `${fileName} is not a shared SMTP Lab conversation: ${where(issue.path)}: ${issue.message}.` };
  }
  const id = parsed.data.conversation ?? 'shared';
  const events = parsed.data.lines.map((line): WireEvent => {
    const event: WireEvent = { conversation: id, hop: line.hop, dir: line.dir, text: line.text, at: line.at, tls: line.tls };
    if (line.info !== undefined) event.info = line.info;
    if (line.cut !== undefined) event.cut = line.cut;
    if (line.redacted) event.redacted = true;
    if (line.sentAt !== undefined) event.sentAt = line.sentAt;
    if (line.record) event.record = line.record;
    if (line.bareLf) event.bareLf = true;
    return event;
  });
  return { ok: true, shared: { id, events } };
}
