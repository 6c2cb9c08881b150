import { describe, expect, it } from 'vitest';
import { teachesConnecting } from './lesson-start';
import { testLesson } from './test-lesson';

const lesson = (check: unknown) => testLesson([{ id: 'one', title: 'Step one', goals: [{ id: 'g', text: 'A goal', check }] }]);

describe('how a lesson begins', () => {
  it('leaves Connect to the learner when a goal asks for the greeting', () => {
    expect(teachesConnecting(lesson({ reply: { code: 220, answers: 'greeting' } }))).toBe(true);
    expect(teachesConnecting(lesson({ sequence: [{ mine: { reply: { answers: 'greeting' } } }, { command: { verb: 'QUIT' } }] }))).toBe(true);
  });

  it('connects for the learner when no goal is about connecting', () => {
    expect(teachesConnecting(lesson({ reply: { code: 250, answers: 'MAIL' } }))).toBe(false);
    expect(teachesConnecting(lesson({ not: { reply: { answers: 'greeting' } } }))).toBe(false);
  });
});
