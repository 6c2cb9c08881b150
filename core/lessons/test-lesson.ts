/** Test helper: a lesson of the given steps, with the front matter a lesson file needs around them. */
import { lessonMetaSchema, type Lesson } from './lesson-schema';

export function testLesson(steps: unknown[]): Lesson {
  const meta = lessonMetaSchema.parse({
    id: 'test',
    number: 1,
    title: 'A test lesson',
    summary: 'Only for these tests.',
    rfc: ['RFC 5321'],
    fixture: { view: 'terminal' },
    steps,
    solution: [{ connect: 'welcoming' }],
    wrongAttempts: [{ name: 'nothing', actions: [{ connect: 'welcoming' }], unmet: ['any-goal'] }],
  });
  // No shared notes here: every note of a test lesson is its own.
  const misconceptions = meta.misconceptions.filter((note) => 'id' in note);
  return { ...meta, misconceptions, intro: '', stepText: [], file: 'test.md' };
}
