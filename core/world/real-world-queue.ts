/**
 * The real-world queue the lab's compresses, so that a retry in lab time can be shown beside what a
 * real server would do: Postfix's defaults (postconf(5)). Its wait doubles after each failed
 * attempt, from minimal_backoff_time (300 s) up to maximal_backoff_time (4,000 s), and
 * maximal_queue_lifetime (5 days) ends it with a bounce — as RFC 5321 §4.5.4.1 asks: "the give-up
 * time generally needs to be at least 4-5 days". The lab keeps the rhythm and gives up far sooner
 * (RETRY_BASE_MS, MAX_DELIVERY_ATTEMPTS).
 */
export const REAL_WORLD_QUEUE = {
  minimalBackoffMs: 300_000,
  maximalBackoffMs: 4_000_000,
  maximalQueueLifetimeMs: 5 * 24 * 3_600_000,
} as const;

/** How long a real server waits after its `attempt`-th failed attempt (1 for the first) before the next. */
export function realWorldWaitMs(attempt: number): number {
  const { minimalBackoffMs, maximalBackoffMs } = REAL_WORLD_QUEUE;
  return Math.min(minimalBackoffMs * 2 ** Math.max(0, attempt - 1), maximalBackoffMs);
}

/** When the lab gives up: its last attempt, this long after the first (each wait doubles from `retryBaseMs`). */
export function labGiveUpAfterMs(retryBaseMs: number, maxAttempts: number): number {
  return retryBaseMs * (2 ** (maxAttempts - 1) - 1);
}
