/**
 * What fuzz and fault tests watch besides their own assertions: errors that escape every handler
 * (an unhandled rejection or an uncaught exception would crash a real bridge), the heap after a
 * forced collection, and the sockets the process holds open.
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface CrashWatch {
  readonly problems: string[];
  stop(): void;
}

/** Record every error that no handler caught, for the test to fail on. */
export function watchForCrashes(): CrashWatch {
  const problems: string[] = [];
  const onRejection = (reason: unknown) => problems.push(`unhandled rejection: ${describe(reason)}`);
  const onException = (error: unknown) => problems.push(`uncaught exception: ${describe(error)}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    problems,
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

function describe(value: unknown): string {
  return value instanceof Error ? (value.stack ?? value.message) : String(value);
}

let collect: (() => void) | null = null;

/** The heap in use after full collections: what is really still held, not what waits for the GC. */
export async function settledHeap(): Promise<number> {
  if (!collect) {
    // The runner does not start Node with --expose-gc; the flag can still be set at run time.
    v8.setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  for (let i = 0; i < 3; i++) {
    collect();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

/** Open TCP and TLS handles of this process (listeners included). */
export function openSockets(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap' || kind === 'TLSWrap' || kind === 'TCPServerWrap').length;
}

export const MB = 1024 * 1024;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Run `task` over `items` with at most `width` at a time. */
export async function inParallel<T>(items: readonly T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
