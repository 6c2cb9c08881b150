/**
 * A first visit: the learner has never opened a lesson in this browser, so the lab offers to start
 * with lesson 1. Kept in localStorage; once a lesson opens (or the offer is declined) it stays quiet.
 */
const STORAGE_KEY = 'smtp-lab.welcomed';

export function isFirstVisit(): boolean {
  try {
    return !globalThis.localStorage?.getItem(STORAGE_KEY);
  } catch {
    return false;
  }
}

export function markWelcomed(): void {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, new Date().toISOString());
  } catch {
    // Storage refused (a private window): the offer comes back on the next visit, which is harmless.
  }
}
