import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  it('lets a burst through, then one command per 1/rate seconds', () => {
    const bucket = new TokenBucket(10, 20, 0);
    const burst = Array.from({ length: 25 }, () => bucket.take(0)).filter(Boolean).length;
    expect(burst).toBe(20);
    expect(bucket.take(50)).toBe(false);
    expect(bucket.take(100)).toBe(true);
    expect(bucket.take(100)).toBe(false);
  });

  it('saves up no more than the burst however long it waits', () => {
    const bucket = new TokenBucket(5, 5, 0);
    const taken = Array.from({ length: 10 }, () => bucket.take(60_000)).filter(Boolean).length;
    expect(taken).toBe(5);
  });
});
