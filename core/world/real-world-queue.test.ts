import { describe, expect, it } from 'vitest';
import { labGiveUpAfterMs, realWorldWaitMs, REAL_WORLD_QUEUE } from './real-world-queue';
import { MAX_DELIVERY_ATTEMPTS, RETRY_BASE_MS } from './world-definition';

const MIN = 60_000;

describe('the real-world queue beside the lab', () => {
  it('waits as Postfix does by default: 5 minutes, doubled after each try, at most 4,000 seconds', () => {
    expect([1, 2, 3, 4, 5, 6].map(realWorldWaitMs)).toEqual([5 * MIN, 10 * MIN, 20 * MIN, 40 * MIN, 4_000_000, 4_000_000]);
  });

  it('gives up after 5 days, where the lab gives up 75 minutes after the first try', () => {
    expect(REAL_WORLD_QUEUE.maximalQueueLifetimeMs).toBe(5 * 24 * 60 * MIN);
    expect(labGiveUpAfterMs(RETRY_BASE_MS, MAX_DELIVERY_ATTEMPTS)).toBe(75 * MIN);
  });
});
