/** The shape of a lesson file's front matter, checked when the app is built and in tests. */
import { z } from 'zod';
import { composeSchemaFor, connectionSchema, mailboxAddress } from '../protocol/delivery';
import { TERMINAL_SERVERS } from '../protocol/terminal-servers';
import { PREPARED_MESSAGE_IDS, SEAT_CLIENTS } from '../protocol/seat';
import { pattern, predicateSchema } from './predicates';
import { scenarioSchema, terminalTargetSchema } from './scenario-schema';
import { SHARED_NOTE_IDS } from './shared-notes';
import { zoneEditSchema } from './zone-edits';
import { COURSE_PARTS, type CoursePart } from './course-parts';

/** The server a lesson's terminal connects to: the welcoming lab server, or the strict submission one. */
export { TERMINAL_SERVERS, type TerminalServer } from '../protocol/terminal-servers';

const id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'must be lower-case words joined by "-"' });
/** Where a conversation came from (see Origin in core/wire.ts); `seat`: a client of the learner's own server. */
const origin = z.enum(['terminal', 'external', 'compose', 'relay', 'seat']);

/**
 * Whose conversation counts for a goal: the learner's terminal, the lab's relay hops, an outside
 * client, the compose form's client — and, optionally, only a conversation with a given world host
 * (the host that greeted in it, e.g. `mx.example.test`).
 */
export const scopeSchema = z.strictObject({
  origin: origin.optional(),
  host: z.string().min(3).optional(),
});

const goalBase = { id, text: z.string().min(3), scope: scopeSchema.optional() };

/** The answer to a question: one of several choices, or a value read from the real conversation. */
export const answerSchema = z.union([
  z
    .strictObject({ choices: z.array(z.string().min(1)).min(2), correct: z.string().min(1) })
    .refine((answer) => answer.choices.includes(answer.correct), { message: 'correct must be one of the choices' }),
  z.strictObject({
    /** The lines the value is read from (a reply, a command, any line). */
    from: predicateSchema,
    /** Its first group is the value, e.g. "queued as (\\S+)". */
    capture: pattern,
  }),
]);

export const goalSchema = z.union([
  /** Met when the predicate holds in what really happened. */
  z.strictObject({ ...goalBase, check: predicateSchema }),
  /** Evidence: met when the line the learner selected in the transcript or ladder matches the predicate. */
  z.strictObject({ ...goalBase, select: predicateSchema }),
  /** Answer: met when the learner's answer is the right choice, or the value the conversation holds. */
  z.strictObject({ ...goalBase, answer: answerSchema }),
]);

export const HINT_LEVELS = ['nudge', 'concept', 'command'] as const;
export type HintLevel = (typeof HINT_LEVELS)[number];

/** A hint: plain text, or graduated with its level named (a nudge, the concept, the command). */
const hintSchema = z.union([
  z.string().min(3),
  z.strictObject({ nudge: z.string().min(3) }),
  z.strictObject({ concept: z.string().min(3) }),
  z.strictObject({ command: z.string().min(3) }),
]);

export const stepSchema = z
  .strictObject({
    id,
    title: z.string().min(3),
    /** The step text states only the goal; hints come graduated: a nudge, then the concept, then the command. */
    challenge: z.boolean().default(false),
    goals: z.array(goalSchema).min(1),
    hints: z.array(hintSchema).default([]),
    /** What Connect opens from this step on: a lab server, or `{ host: mx.example.test }` to talk to a world host directly. */
    connect: terminalTargetSchema.optional(),
  })
  .refine((step) => !step.challenge || hintLevels(step.hints).join() === HINT_LEVELS.join(), {
    message: 'a challenge step has three hints: nudge, then concept, then command',
    path: ['hints'],
  });

export type Hint = z.infer<typeof hintSchema>;

/** The level of each hint, null for a plain one. */
export function hintLevels(hints: readonly Hint[]): Array<HintLevel | null> {
  return hints.map((hint) => (typeof hint === 'string' ? null : (HINT_LEVELS.find((level) => level in hint) ?? null)));
}

/** A hint's words and its level. */
export function readHint(hint: Hint): { level: HintLevel | null; text: string } {
  if (typeof hint === 'string') return { level: null, text: hint };
  if ('nudge' in hint) return { level: 'nudge', text: hint.nudge };
  if ('concept' in hint) return { level: 'concept', text: hint.concept };
  return { level: 'command', text: hint.command };
}

/**
 * A compose form in a lesson: an address may be at the learner's own domain, written `{domain}`
 * (or below it), which the player and the replay fill for their lab (lesson-domain.ts).
 */
const lessonComposeSchema = composeSchemaFor(
  z.union([mailboxAddress, z.string().trim().regex(/^[^\s<>@",;:()[\]\\]+@(?:[A-Za-z0-9-]+\.)*\{domain\}$/, { message: 'is not an address like name@example.test or name@{domain}' })]),
);

/** One thing the reference solution (or a wrong attempt) does in the lab. */
export const actionSchema = z.union([
  /** Open a terminal: to a lab server, or `{ host: mx.example.test }` straight to a world host. */
  z.strictObject({ connect: terminalTargetSchema }),
  z.strictObject({ type: z.string() }),
  /** Several lines sent together, without waiting for replies (pipelining, RFC 2920). */
  z.strictObject({ pipeline: z.array(z.string()).min(2).max(100) }),
  z.strictObject({ send: z.strictObject({ compose: lessonComposeSchema, connection: connectionSchema }) }),
  /**
   * A message from an outside client, as the learner's own program sends it: a real nodemailer on
   * the lab's SMTP port (STARTTLS trusting the lab CA, then AUTH with the lab account unless
   * `login: false`). Its conversation has origin `external`.
   */
  z.strictObject({ external: z.strictObject({ message: lessonComposeSchema, login: z.boolean().default(true) }) }),
  /** Fast-forward the lab clock by this many milliseconds: retries and late bounces that fall due run. */
  z.strictObject({ advance: z.number().int().min(1).max(7 * 24 * 3600 * 1000) }),
  /** Wait until no delivery attempt is running in the mail world. */
  z.strictObject({ settle: z.literal(true) }),
  /**
   * Change the learner's own zone as the zone editor does (core/lessons/zone-edits.ts): records set
   * or removed (refused whole when one is bad, which the goals can see), a DKIM key made, the working set back.
   */
  z.strictObject({ zone: zoneEditSchema }),
  /** Be the server: start a client against the learner's server (nodemailer, or the lab's relay). */
  z.strictObject({ serve: z.strictObject({ client: z.enum(SEAT_CLIENTS), message: z.enum(PREPARED_MESSAGE_IDS) }) }),
  /** Be the server: once the client waits for an answer, type this reply (several lines: a multi-line reply). */
  z.strictObject({ reply: z.union([z.string(), z.array(z.string()).min(1).max(100)]) }),
  /**
   * Select a line for an evidence goal, as the learner clicks one: the last line whose text matches
   * `line`, in the conversations of `origin` (any, when left out).
   */
  z.strictObject({
    select: z.strictObject({ goal: id, line: pattern, origin: origin.optional() }),
  }),
  /**
   * Answer a question goal: a choice or a typed value, or the value `from` captures in the last line
   * it matches (in the conversations of `origin`), as a learner reads it off the transcript.
   */
  z.strictObject({
    answer: z.union([
      z.strictObject({ goal: id, value: z.string() }),
      z.strictObject({ goal: id, from: pattern, origin: origin.optional() }),
    ]),
  }),
]);

const noteSchema = z.strictObject({ id, when: predicateSchema, note: z.string().min(10) });

/**
 * A par, as learnGitBranching has: the commands the reference solution types in the terminal
 * (core/lessons/par.ts says what counts). The lesson tests replay the solution and check it meets it.
 */
export const parSchema = z.strictObject({ commands: z.number().int().min(1).max(1000) });

export const lessonMetaSchema = z.strictObject({
  id,
  number: z.number().int().min(1),
  /** Which part of the course it belongs to (the lesson list groups by part). */
  part: z.enum(Object.keys(COURSE_PARTS) as [CoursePart, ...CoursePart[]]),
  /** Lessons (ids) to finish first: a casebook challenge unlocks once the units it needs are done. */
  requires: z.array(id).default([]),
  title: z.string().min(3),
  summary: z.string().min(10),
  rfc: z.array(z.string().min(3)).min(1),
  fixture: z.strictObject({
    view: z.enum(['terminal', 'compose', 'seat']),
    server: z.enum(TERMINAL_SERVERS).default('welcoming'),
  }),
  /**
   * The lab's world while the lesson is open (core/lessons/scenario-schema.ts): records and hosts
   * changed, messages seeded in mailboxes and in the relay queue. Undone when the lesson restarts or closes.
   */
  scenario: scenarioSchema.optional(),
  /** Optional: how many commands the reference solution uses; the player shows the learner's count beside it. */
  par: parSchema.optional(),
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
}).refine((lesson) => !lesson.par || lesson.fixture.view === 'terminal', {
  message: 'a par counts the commands typed in the terminal: only a lesson that opens on the terminal can have one',
  path: ['par'],
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
