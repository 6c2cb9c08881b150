/** The shape of a lesson file's front matter, checked when the app is built and in tests. */
import { z } from 'zod';
import { composeSchema, connectionSchema } from '../protocol/delivery';
import { TERMINAL_SERVERS } from '../protocol/terminal-servers';
import { predicateSchema } from './predicates';

/** The server a lesson's terminal connects to: the welcoming lab server, or the strict submission one. */
export { TERMINAL_SERVERS, type TerminalServer } from '../protocol/terminal-servers';

const id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'must be lower-case words joined by "-"' });

export const goalSchema = z.strictObject({
  id,
  /** What the learner reads in the checklist. */
  text: z.string().min(3),
  check: predicateSchema,
});

export const stepSchema = z.strictObject({
  id,
  title: z.string().min(3),
  goals: z.array(goalSchema).min(1),
  hints: z.array(z.string().min(3)).default([]),
});

/** One thing the reference solution (or a wrong attempt) does in the lab. */
export const actionSchema = z.union([
  z.strictObject({ connect: z.enum(TERMINAL_SERVERS) }),
  z.strictObject({ type: z.string() }),
  /** Several lines sent together, without waiting for replies (pipelining, RFC 2920). */
  z.strictObject({ pipeline: z.array(z.string()).min(2).max(100) }),
  z.strictObject({ send: z.strictObject({ compose: composeSchema, connection: connectionSchema }) }),
  /** Fast-forward the lab clock by this many milliseconds: retries and late bounces that fall due run. */
  z.strictObject({ advance: z.number().int().min(1).max(7 * 24 * 3600 * 1000) }),
  /** Wait until no delivery attempt is running in the mail world. */
  z.strictObject({ settle: z.literal(true) }),
]);

export const lessonMetaSchema = z.strictObject({
  id,
  number: z.number().int().min(1),
  title: z.string().min(3),
  summary: z.string().min(10),
  rfc: z.array(z.string().min(3)).min(1),
  fixture: z.strictObject({
    view: z.enum(['terminal', 'compose']),
    server: z.enum(TERMINAL_SERVERS).default('welcoming'),
  }),
  steps: z.array(stepSchema).min(1),
  misconceptions: z
    .array(z.strictObject({ id, when: predicateSchema, note: z.string().min(10) }))
    .default([]),
  solution: z.array(actionSchema).min(1),
  /** Attempts that skip a step or get the order wrong: each must leave a goal unmet. */
  wrongAttempts: z.array(z.strictObject({ name: z.string().min(3), actions: z.array(actionSchema).min(1) })).min(1),
});

export type Goal = z.infer<typeof goalSchema>;
export type Step = z.infer<typeof stepSchema>;
export type LessonAction = z.infer<typeof actionSchema>;
export type LessonMeta = z.infer<typeof lessonMetaSchema>;

export interface Lesson extends LessonMeta {
  /** Markdown before the first step. */
  intro: string;
  /** Markdown instructions of each step, in the order of `steps`. */
  stepText: string[];
  /** The file it came from, for error messages. */
  file: string;
}
