/**
 * What one terminal message to the bridge may carry, apart from the schemas (messages.ts): the
 * page's terminal reads these on its first screen, and the schemas' validator is not loaded there.
 */

/** Most lines one pipelined batch from the terminal may carry. */
export const MAX_PIPELINED_LINES = 100;
/** Longest line a learner may send from the terminal (long enough to try a 100 KB line on purpose). */
export const MAX_TERMINAL_LINE = 128 * 1024;
