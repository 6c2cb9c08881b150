/**
 * The lesson a learner has open, kept for this browser tab (sessionStorage): a reload, or a look at
 * the conversation list, comes back to the same step with the same goals counted. Another tab
 * starts from the lesson list.
 */
import { z } from 'zod';

const STORAGE_KEY = 'smtp-lab.open-lesson';

const count = z.number().int().min(0).max(1000);
const openLessonSchema = z.object({
  version: z.literal(1),
  lesson: z.string().max(100),
  step: count,
  /** Only what happened after this moment counts (epoch ms), and the lab clock then. */
  since: z.number().finite(),
  sinceClock: z.number().finite(),
  hintsShown: z.array(count).max(100),
  solutionShown: z.boolean(),
  /** The introduction is on screen: the learner has not begun the first step yet. */
  intro: z.boolean().default(false),
});

export type OpenLesson = Omit<z.infer<typeof openLessonSchema>, 'version'>;

export function loadOpenLesson(): OpenLesson | null {
  try {
    const stored = globalThis.sessionStorage?.getItem(STORAGE_KEY);
    if (!stored) return null;
    const { version: _version, ...open } = openLessonSchema.parse(JSON.parse(stored));
    return open;
  } catch {
    // A damaged entry only means starting from the lesson list.
    return null;
  }
}

/** Remember the open lesson, or forget it (null: the learner went back to the list). */
export function saveOpenLesson(open: OpenLesson | null): void {
  try {
    if (open) globalThis.sessionStorage?.setItem(STORAGE_KEY, JSON.stringify({ version: 1, ...open }));
    else globalThis.sessionStorage?.removeItem(STORAGE_KEY);
  } catch {
    // Storage refused (a private window): the lesson lasts as long as the page.
  }
}
