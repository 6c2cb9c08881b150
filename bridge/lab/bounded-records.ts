/**
 * The lab keeps conversations, deliveries and relay steps in insertion-ordered maps with a cap, so
 * a lab left running for days stays small. Finished records go first; live ones stay, because their
 * sockets bound how many there can be.
 */
import { randomBytes } from 'node:crypto';

/** A short id ("c1a2b3") that no record in `records` has yet. */
export function freshId(prefix: string, records: ReadonlyMap<string, unknown>): string {
  for (;;) {
    const id = `${prefix}${randomBytes(3).toString('hex').slice(0, 5)}`;
    if (!records.has(id)) return id;
  }
}

/** Forget the oldest finished records until at most `max` remain (or only live ones are left). */
export function evictFinished<T>(records: Map<string, T>, max: number, finished: (record: T) => boolean, onEvict?: (record: T) => void): void {
  let excess = records.size - max;
  for (const [id, record] of records) {
    if (excess <= 0) break;
    if (!finished(record)) continue;
    records.delete(id);
    onEvict?.(record);
    excess--;
  }
}
