/**
 * The lesson a learner has open, kept for this browser tab (sessionStorage): a reload, or a look at
 * the conversation list, comes back to the same step with the same goals counted. Another tab
 * starts from the lesson list.
 */
const STORAGE_KEY = 'smtp-lab.open-lesson';

export interface OpenLesson {
  lesson: string;
  step: number;
  /** Only what happened after this moment counts (epoch ms), and the lab clock then. */
  since: number;
  sinceClock: number;
  hintsShown: number[];
  solutionShown: boolean;
  /** The introduction is on screen: the learner has not begun the first step yet. */
  intro: boolean;
  /** Lines selected for evidence goals and answers given to question goals, by goal id. */
  selections: Record<string, { conversation: string; line: number }>;
  answers: Record<string, string>;
}

// Checked by hand rather than with zod: this is read on the first screen, which does not load zod.
const isCount = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 1000;
const isCounts = (value: unknown): value is number[] => Array.isArray(value) && value.length <= 100 && value.every(isCount);

const MAX_GOALS = 100;
const MAX_TEXT = 200;
const isText = (value: unknown): value is string => typeof value === 'string' && value.length <= MAX_TEXT;
const isLine = (value: unknown): value is { conversation: string; line: number } => {
  const v = value as Record<string, unknown> | null;
  return typeof v === 'object' && v !== null && isText(v.conversation) && Number.isInteger(v.line) && (v.line as number) >= 0;
};

/** A record of goal ids to values that pass `valid`; anything else reads as nothing given yet. */
function readByGoal<T>(value: unknown, valid: (entry: unknown) => entry is T): Record<string, T> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const entries = Object.entries(value).slice(0, MAX_GOALS);
  return Object.fromEntries(entries.filter(([goal, entry]) => goal.length <= MAX_TEXT && valid(entry)));
}

function readOpenLesson(value: unknown): OpenLesson | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v.version !== 1 || typeof v.lesson !== 'string' || v.lesson.length > 100 || !isCount(v.step)) return null;
  if (!Number.isFinite(v.since) || !Number.isFinite(v.sinceClock) || typeof v.solutionShown !== 'boolean') return null;
  if (!isCounts(v.hintsShown)) return null;
  if (v.intro !== undefined && typeof v.intro !== 'boolean') return null;
  return {
    lesson: v.lesson,
    step: v.step,
    since: v.since as number,
    sinceClock: v.sinceClock as number,
    hintsShown: v.hintsShown,
    solutionShown: v.solutionShown,
    // A lesson saved before the introduction was remembered had already begun.
    intro: v.intro ?? false,
    selections: readByGoal(v.selections, isLine),
    answers: readByGoal(v.answers, isText),
  };
}

export function loadOpenLesson(): OpenLesson | null {
  try {
    const stored = globalThis.sessionStorage?.getItem(STORAGE_KEY);
    if (!stored) return null;
    return readOpenLesson(JSON.parse(stored));
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
