/**
 * The lab queue's schedule, apart from the world's data so that the Journey can set a retry beside
 * the real-world one without loading every host and domain on the first screen.
 */

/** First retry of a deferred recipient; each further retry waits twice as long (lab clock). */
export const RETRY_BASE_MS = 5 * 60_000;
/** Delivery attempts before a deferred recipient bounces. */
export const MAX_DELIVERY_ATTEMPTS = 5;
