import { describe, expect, it } from 'vitest';
import { realWorldRetry } from './hop-path';

describe('a retry in lab time, beside the real world', () => {
  it('says what a real server would wait after the same attempt, and how much sooner the lab gives up', () => {
    expect(realWorldRetry(1)).toBe('a real server would retry in 5 min and keep trying for 5 days; the lab gives up at try 5, 1 h 15 min after the first');
    expect(realWorldRetry(4)).toMatch(/^a real server would retry in 40 min /);
    expect(realWorldRetry(5)).toMatch(/^a real server would retry in 1 h 6 min /);
  });
});
