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
    wrongAttempts: [{ name: 'nothing', actions: [{ connect: 'welcoming' }] }],
  });
  return { ...meta, intro: '', stepText: [], file: 'test.md' };
}
