/** The shape of a lesson file's front matter, checked when the app is built and in tests. */
import { z } from 'zod';
import { composeSchema, connectionSchema } from '../protocol/delivery';
import { TERMINAL_SERVERS } from '../protocol/terminal-servers';
import { predicateSchema } from './predicates';
import { SHARED_NOTE_IDS } from './shared-notes';

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

const noteSchema = z.strictObject({ id, when: predicateSchema, note: z.string().min(10) });

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
  /**
   * Mistake notes: each says what went wrong when its tell-tale happens. A lesson's own solution
   * must never trigger one, and some wrong attempt must (see `wrongAttempts`). `{ use: id }` takes
   * a note shared by many lessons from core/lessons/shared-notes.ts.
   */
  misconceptions: z.array(z.union([noteSchema, z.strictObject({ use: z.enum(SHARED_NOTE_IDS) })])).default([]),
  /** Remarks: something worth knowing about what just happened, right or wrong. Never a mistake. */
  remarks: z.array(noteSchema).default([]),
  solution: z.array(actionSchema).min(1),
  /**
   * Attempts that skip a step or get it wrong. Each names exactly the goals it leaves unmet and the
   * mistake notes it triggers; the lesson tests replay it and check both, so every goal and every
   * mistake note is shown to fail (or fire) for a stated reason.
   */
  wrongAttempts: z
    .array(
      z.strictObject({
        name: z.string().min(3),
        actions: z.array(actionSchema).min(1),
        unmet: z.array(id).min(1),
        notes: z.array(id).default([]),
      }),
    )
    .min(1),
});

export type Goal = z.infer<typeof goalSchema>;
export type Step = z.infer<typeof stepSchema>;
export type LessonAction = z.infer<typeof actionSchema>;
export type LessonMeta = z.infer<typeof lessonMetaSchema>;
export type LessonNote = z.infer<typeof noteSchema>;
export type WrongAttempt = LessonMeta['wrongAttempts'][number];

export interface Lesson extends Omit<LessonMeta, 'misconceptions'> {
  /** Mistake notes, shared ones resolved. */
  misconceptions: LessonNote[];
  /** Markdown before the first step. */
  intro: string;
  /** Markdown instructions of each step, in the order of `steps`. */
  stepText: string[];
  /** The file it came from, for error messages. */
  file: string;
}
