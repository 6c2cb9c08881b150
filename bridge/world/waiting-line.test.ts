import { describe, expect, it } from 'vitest';
import { WaitingLine } from './waiting-line';

describe('WaitingLine', () => {
  it('hands out thousands in arrival order while more keep joining, and drains the rest', () => {
    const line = new WaitingLine<number>();
    const taken: number[] = [];
    for (let n = 0; n < 5_000; n++) {
      line.push(n);
      if (n % 3 === 0) taken.push(line.shift()!);
    }
    expect(line.first).toBe(taken.length);
    expect(line.length).toBe(5_000 - taken.length);
    const rest = line.drain();
    expect([...taken, ...rest]).toEqual(Array.from({ length: 5_000 }, (_, n) => n));
    expect(line.length).toBe(0);
    expect(line.shift()).toBeUndefined();
  });
});
