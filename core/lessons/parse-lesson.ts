/**
 * Reads one lesson file: YAML front matter between "---" lines, then Markdown whose "## " sections
 * are the steps' instructions, in order. Errors name the file and the field.
 */
import { parse as parseYaml } from 'yaml';
import { lessonMetaSchema, type Lesson } from './lesson-schema';
import { SHARED_NOTES } from './shared-notes';

export class LessonFileError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${file}: ${field ? `${field}: ` : ''}${problem}`);
  }
}

/** A lesson file is named by its number and id, e.g. "01-hello-server.md"; README.md documents the format. */
export function isLessonFile(name: string): boolean {
  return /^\d+-[a-z0-9-]+\.md$/.test(name);
}

export function parseLesson(file: string, text: string): Lesson {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!match) throw new LessonFileError(file, '', 'must start with front matter between "---" lines');
  let data: unknown;
  try {
    data = parseYaml(match[1] ?? '');
  } catch (error) {
    throw new LessonFileError(file, 'front matter', `is not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  const result = lessonMetaSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new LessonFileError(file, issue?.path.join('.') ?? '', issue?.message ?? 'invalid');
  }
  const meta = result.data;
  const sections = (match[2] ?? '').split(/^## /m);
  const intro = (sections.shift() ?? '').trim();
  if (sections.length !== meta.steps.length) {
    throw new LessonFileError(file, 'steps', `has ${meta.steps.length} steps but the text has ${sections.length} "## " sections`);
  }
  const stepText = sections.map((section, index) => {
    const newline = section.indexOf('\n');
    const heading = (newline === -1 ? section : section.slice(0, newline)).trim();
    const step = meta.steps[index];
    if (step && heading !== step.title) {
      throw new LessonFileError(file, `steps.${index}.title`, `is "${step.title}" but its section is headed "${heading}"`);
    }
    return newline === -1 ? '' : section.slice(newline + 1).trim();
  });
  const goalIds = meta.steps.flatMap((step) => step.goals.map((goal) => goal.id));
  const duplicate = goalIds.find((goal, index) => goalIds.indexOf(goal) !== index);
  if (duplicate) throw new LessonFileError(file, 'steps', `goal id "${duplicate}" is used twice`);
  const misconceptions = meta.misconceptions.map((entry) => ('use' in entry ? { id: entry.use, ...SHARED_NOTES[entry.use] } : entry));
  const noteIds = misconceptions.map((note) => note.id);
  const allNotes = [...noteIds, ...meta.remarks.map((remark) => remark.id)];
  const twice = allNotes.find((note, index) => allNotes.indexOf(note) !== index);
  if (twice) throw new LessonFileError(file, 'misconceptions', `note id "${twice}" is used twice`);
  const goals = meta.steps.flatMap((step) => step.goals);
  const kindOf = (goalId: string) => {
    const goal = goals.find((candidate) => candidate.id === goalId);
    return !goal ? 'none' : 'select' in goal ? 'select' : 'answer' in goal ? 'answer' : 'check';
  };
  const checkActions = (actions: typeof meta.solution, where: string) =>
    actions.forEach((action, index) => {
      const kind = 'select' in action ? 'select' : 'answer' in action ? 'answer' : null;
      const goal = 'select' in action ? action.select.goal : 'answer' in action ? action.answer.goal : '';
      if (kind && kindOf(goal) !== kind) {
        throw new LessonFileError(file, `${where}.${index}.${kind}.goal`, `names "${goal}", which is no ${kind === 'select' ? 'evidence (select)' : 'question (answer)'} goal of this lesson`);
      }
    });
  checkActions(meta.solution, 'solution');
  meta.wrongAttempts.forEach((attempt, index) => {
    const where = `wrongAttempts.${index}`;
    checkActions(attempt.actions, `${where}.actions`);
    const unknownGoal = attempt.unmet.find((goal) => !goalIds.includes(goal));
    if (unknownGoal) throw new LessonFileError(file, `${where}.unmet`, `names "${unknownGoal}", which is no goal of this lesson`);
    const unknownNote = attempt.notes.find((note) => !noteIds.includes(note));
    if (unknownNote) throw new LessonFileError(file, `${where}.notes`, `names "${unknownNote}", which is no mistake note of this lesson`);
  });
  return { ...meta, misconceptions, intro, stepText, file };
}

/** Orders lessons by number and checks that numbers and ids are unique. */
export function orderLessons(lessons: Lesson[]): Lesson[] {
  const sorted = [...lessons].sort((a, b) => a.number - b.number);
  sorted.forEach((lesson, index) => {
    const clash = sorted.find((other, j) => j !== index && (other.id === lesson.id || other.number === lesson.number));
    if (clash) throw new LessonFileError(lesson.file, 'id', `clashes with ${clash.file}`);
    for (const needed of lesson.requires) {
      const before = sorted.find((other) => other.id === needed);
      if (!before) throw new LessonFileError(lesson.file, 'requires', `names no lesson: ${needed}`);
      if (before.number >= lesson.number) throw new LessonFileError(lesson.file, 'requires', `${needed} comes after it in the course`);
    }
  });
  return sorted;
}
