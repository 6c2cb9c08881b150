/**
 * Every lesson proves its checks both ways against a real lab: its reference solution meets every
 * goal and triggers none of its mistake notes; each wrong attempt leaves exactly the goals it names
 * unmet and triggers exactly the notes it names; every goal is left unmet, and every mistake note
 * triggered, by some named attempt; every remark shows up in some replay. A lesson with a par is
 * solved within it by its own solution, and one command more than the solution goes over it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLab } from '../../bridge/lab/lab';
import { LESSONS_DIR, loadLessons } from '../../bridge/lessons/load-lessons';
import { replayLesson } from '../../bridge/lessons/replay';
import { goalsNeverLeftUnmet, notesNeverTriggered } from '../../core/lessons/lesson-proofs';
import { commandsUsed, parStanding } from '../../core/lessons/par';
import type { Lesson, LessonAction } from '../../core/lessons/lesson-schema';
import { parseLesson } from '../../core/lessons/parse-lesson';

/** The example in lessons/README.md is held to the same rules, so the page teachers copy from works. */
async function readmeExample(): Promise<Lesson> {
  const readme = await readFile(join(LESSONS_DIR, 'README.md'), 'utf8');
  const example = /```markdown\n([\s\S]*?)\n```/.exec(readme)?.[1];
  if (!example) throw new Error('lessons/README.md has no ```markdown example');
  return parseLesson('lessons/README.md (example)', example);
}

const lessons = [...(await loadLessons()), await readmeExample()];
let stateDir: string;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'smtp-lab-lessons-'));
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

/** A fresh lab for each attempt, as the lesson player's "Reset the lab" gives, in the world of the lesson's scenario. */
async function attempt(lesson: Lesson, actionsOf: (lesson: Lesson) => readonly LessonAction[]) {
  const lab = await createLab({ host: '127.0.0.1', smtpPort: 0, smtpsPort: 0, stateDir, log: () => {} });
  try {
    return await replayLesson(lab, lesson, actionsOf);
  } finally {
    await lab.close();
  }
}

const sorted = (ids: readonly string[]) => [...ids].sort();

/** The solution with a NOOP typed after its first EHLO: the same lesson, solved with one command more. */
function withOneCommandMore(solution: readonly LessonAction[]): LessonAction[] {
  const ehlo = solution.findIndex((action) => 'type' in action && /^(EHLO|HELO) /i.test(action.type));
  if (ehlo === -1) throw new Error('the solution types no EHLO to follow with a NOOP');
  return [...solution.slice(0, ehlo + 1), { type: 'NOOP' }, ...solution.slice(ehlo + 1)];
}

describe.each(lessons.map((lesson) => [`${lesson.number}. ${lesson.title}`, lesson] as const))('lesson %s', (_name, lesson) => {
  /** Remarks seen in any replay of this lesson. */
  const remarksSeen = new Set<string>();
  /** The commands the reference solution used, as the player counts them. */
  let solutionUsed: number | undefined;

  it('leaves every goal unmet, and triggers every mistake note, in some named wrong attempt', () => {
    expect(goalsNeverLeftUnmet(lesson)).toEqual([]);
    expect(notesNeverTriggered(lesson)).toEqual([]);
  });

  it('is solved by its reference solution, which triggers none of its mistake notes', async () => {
    const progress = await attempt(lesson, (filled) => filled.solution);
    progress.remarks.forEach((remark) => remarksSeen.add(remark.id));
    expect(progress.goals.filter((goal) => !goal.met).map((goal) => goal.goal)).toEqual([]);
    expect(progress.complete).toBe(true);
    expect(progress.notes.map((note) => note.id)).toEqual([]);
    solutionUsed = commandsUsed(progress.evidence);
    // A par the reference solution does not meet would be out of every learner's reach.
    if (lesson.par) expect(solutionUsed, 'commands the solution used, against its par').toBeLessThanOrEqual(lesson.par.commands);
  });

  it.runIf(lesson.par)('counts one command more than the solution, and that goes over par', async () => {
    const par = lesson.par?.commands ?? 0;
    const progress = await attempt(lesson, (filled) => withOneCommandMore(filled.solution));
    expect(progress.complete).toBe(true);
    const used = commandsUsed(progress.evidence);
    expect(used).toBe((solutionUsed ?? NaN) + 1);
    // The par is what the solution uses, no more: a command more is over it.
    expect(parStanding(used, par)).toBe('over');
  });

  it.each(lesson.wrongAttempts.map((wrong) => [wrong.name, wrong] as const))('wrong attempt "%s" fails exactly where it says', async (_label, wrong) => {
    const progress = await attempt(lesson, (filled) => filled.wrongAttempts[lesson.wrongAttempts.indexOf(wrong)]?.actions ?? []);
    progress.remarks.forEach((remark) => remarksSeen.add(remark.id));
    expect({
      unmet: sorted(progress.goals.filter((goal) => !goal.met).map((goal) => goal.goal)),
      notes: sorted(progress.notes.map((note) => note.id)),
    }).toEqual({ unmet: sorted(wrong.unmet), notes: sorted(wrong.notes) });
    expect(progress.complete).toBe(false);
  });

  it('shows each remark in some replay', () => {
    expect(lesson.remarks.map((remark) => remark.id).filter((remark) => !remarksSeen.has(remark))).toEqual([]);
  });
});

it('has lessons to check', () => {
  expect(lessons.length).toBeGreaterThanOrEqual(9);
});
