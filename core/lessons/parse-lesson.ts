/**
 * Reads one lesson file: YAML front matter between "---" lines, then Markdown whose "## " sections
 * are the steps' instructions, in order. Errors name the file and the field.
 */
import { parse as parseYaml } from 'yaml';
import { lessonMetaSchema, type Lesson } from './lesson-schema';

export class LessonFileError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${file}: ${field ? `${field}: ` : ''}${problem}`);
  }
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
  return { ...meta, intro, stepText, file };
}

/** Orders lessons by number and checks that numbers and ids are unique. */
export function orderLessons(lessons: Lesson[]): Lesson[] {
  const sorted = [...lessons].sort((a, b) => a.number - b.number);
  sorted.forEach((lesson, index) => {
    const clash = sorted.find((other, j) => j !== index && (other.id === lesson.id || other.number === lesson.number));
    if (clash) throw new LessonFileError(lesson.file, 'id', `clashes with ${clash.file}`);
  });
  return sorted;
}
