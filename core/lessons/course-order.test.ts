import { describe, expect, it } from 'vitest';
import { orderLessons } from './parse-lesson';
import { testLesson } from './test-lesson';

const lesson = (id: string, number: number, requires: string[] = []) => ({ ...testLesson([{ id: 's', title: 'A step', goals: [{ id: 'g', text: 'A goal', check: { state: 'closed' } }] }]), id, number, requires, file: `lessons/${number}-${id}.md` });

describe('the order of the course', () => {
  it('keeps lessons in number order, whatever order their files were read in', () => {
    expect(orderLessons([lesson('b', 2), lesson('a', 1)]).map((l) => l.id)).toEqual(['a', 'b']);
  });

  it('refuses a lesson that requires one that does not exist, naming its file and the id', () => {
    expect(() => orderLessons([lesson('a', 1), lesson('case', 2, ['nope'])])).toThrow(/lessons\/2-case\.md.*requires.*names no lesson: nope/);
  });

  it('refuses a lesson that requires one coming after it: it could never be opened in order', () => {
    expect(() => orderLessons([lesson('a', 1, ['b']), lesson('b', 2)])).toThrow(/lessons\/1-a\.md.*requires.*b comes after it/);
  });

  it('accepts a challenge that requires earlier units', () => {
    expect(orderLessons([lesson('a', 1), lesson('b', 2), lesson('case', 3, ['a', 'b'])])).toHaveLength(3);
  });
});
