/**
 * The lab clock: real time plus whatever the learner has skipped. Retries, greylisting and late
 * bounces wait on it, so "fast-forward 10 minutes" runs every wait that falls due, in order, at
 * once. Real timers drive it by default; tests turn them off and only fast-forward.
 */

export type Task = () => void | Promise<void>;

export interface LabClock {
  /** Epoch milliseconds on the lab clock. */
  now(): number;
  /** Run `task` once the lab clock has moved `delayMs` on. Returns a cancel function. */
  schedule(delayMs: number, task: Task): () => void;
  /** Move the clock on by `ms`, running every task that falls due on the way, in order and awaited. */
  fastForward(ms: number): Promise<void>;
  /** Cancel everything still waiting. */
  close(): void;
}

export interface LabClockOptions {
  /** false: tasks run only on fastForward (tests). Default true. */
  realTimers?: boolean;
  /** Milliseconds already skipped: a lab database keeps them, so the clock resumes where it was. */
  offsetMs?: number;
  /** Told how far ahead of real time the clock is after each fast-forward. */
  onMoved?(offsetMs: number): void;
  log?(message: string): void;
}

interface Waiting {
  dueAt: number;
  seq: number;
  task: Task;
  timer: NodeJS.Timeout | null;
}

export function createLabClock(options: LabClockOptions = {}): LabClock {
  const realTimers = options.realTimers ?? true;
  let offset = options.offsetMs ?? 0;
  let seq = 0;
  const waiting = new Set<Waiting>();
  const now = () => Date.now() + offset;

  async function run(entry: Waiting): Promise<void> {
    if (!waiting.delete(entry)) return; // already run, or cancelled
    if (entry.timer) clearTimeout(entry.timer);
    try {
      await entry.task();
    } catch (error) {
      options.log?.(`lab clock: task failed: ${String(error)}`);
    }
  }

  function arm(entry: Waiting): void {
    if (!realTimers) return;
    if (entry.timer) clearTimeout(entry.timer);
    // Node caps timers at ~24.8 days; a longer wait re-arms when it fires.
    const delay = Math.min(Math.max(0, entry.dueAt - now()), 2_000_000_000);
    entry.timer = setTimeout(() => (entry.dueAt <= now() ? void run(entry) : arm(entry)), delay);
    entry.timer.unref();
  }

  return {
    now,
    schedule(delayMs, task) {
      const entry: Waiting = { dueAt: now() + Math.max(0, delayMs), seq: seq++, task, timer: null };
      waiting.add(entry);
      arm(entry);
      return () => {
        waiting.delete(entry);
        if (entry.timer) clearTimeout(entry.timer);
      };
    },
    async fastForward(ms) {
      const target = now() + Math.max(0, ms);
      // Step through the waits in order, with the clock at each one's due time while it runs, so a
      // retry scheduled by a retry counts from when that retry happened, not from the target.
      for (;;) {
        const next = [...waiting].filter((entry) => entry.dueAt <= target).sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq)[0];
        if (!next) break;
        offset = Math.max(now(), next.dueAt) - Date.now();
        await run(next);
      }
      offset = Math.max(now(), target) - Date.now();
      for (const entry of waiting) arm(entry);
      options.onMoved?.(offset);
    },
    close() {
      for (const entry of waiting) if (entry.timer) clearTimeout(entry.timer);
      waiting.clear();
    },
  };
}
