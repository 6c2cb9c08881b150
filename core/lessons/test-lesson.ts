/** Test helper: a lesson of the given steps, with the front matter a lesson file needs around them. */
import { lessonMetaSchema, type Lesson } from './lesson-schema';

export function testLesson(steps: unknown[]): Lesson {
  // Doing nothing leaves every goal unmet.
  const goals = steps.flatMap((step) => ((step as { goals?: Array<{ id: string }> }).goals ?? []).map((goal) => goal.id));
  const meta = lessonMetaSchema.parse({
    id: 'test',
    number: 1,
    part: 'talking',
    title: 'A test lesson',
    summary: 'Only for these tests.',
    rfc: ['RFC 5321'],
    fixture: { view: 'terminal' },
    steps,
    solution: [{ connect: 'welcoming' }],
    wrongAttempts: [{ name: 'nothing', actions: [{ connect: 'welcoming' }], unmet: goals }],
  });
  // No shared notes here: every note of a test lesson is its own.
  const misconceptions = meta.misconceptions.filter((note) => 'id' in note);
  return { ...meta, misconceptions, intro: '', stepText: [], file: 'test.md' };
}
