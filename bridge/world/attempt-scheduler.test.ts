import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AttemptScheduler, type SchedulerOptions } from './attempt-scheduler';

/** A scheduler whose attempts record their start and end when the test says so. */
function scheduler(options: SchedulerOptions) {
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const attempts = new AttemptScheduler<string>(
    (name) =>
      new Promise<void>((resolve) => {
        started.push(name);
        finish.set(name, resolve);
      }),
    options,
  );
  return { attempts, started, finish };
}

const flush = () => new Promise<void>((resolve) => queueMicrotask(resolve));

describe('AttemptScheduler', () => {
  let now = 0;
  beforeEach(() => {
    now = 0;
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('starts attempts at once while the port is quiet', async () => {
    const { attempts, started } = scheduler({ now: () => now });
    attempts.noteArrival();
    attempts.add('a');
    attempts.add('b');
    await flush();
    expect(started).toEqual(['a', 'b']);
  });

  it('holds attempts back during a burst, then lets them through once it is over', async () => {
    const { attempts, started } = scheduler({ now: () => now, burst: 5, windowMs: 100, maxHoldMs: 10_000 });
    for (let i = 0; i < 5; i++) attempts.noteArrival();
    attempts.add('held');
    const startedLater = attempts.nextStart();
    await flush();
    expect(started).toEqual([]);
    expect(attempts.waiting).toBe(1);
    // Two quiet windows later the burst has passed.
    now = 250;
    await vi.advanceTimersByTimeAsync(250);
    await startedLater;
    expect(started).toEqual(['held']);
    expect(attempts.waiting).toBe(0);
  });

  it('lets one attempt at a time through a burst that goes on past the hold, while the loop has time to spare', async () => {
    const { attempts, started, finish } = scheduler({ now: () => now, burst: 5, windowMs: 100, maxHoldMs: 1_000, loopBusy: () => 0.5 });
    const arrive = () => {
      for (let i = 0; i < 5; i++) attempts.noteArrival();
    };
    arrive();
    attempts.add('a');
    attempts.add('b');
    for (now = 100; now <= 1_000; now += 100) {
      arrive();
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(started).toEqual(['a']);
    arrive();
    finish.get('a')?.();
    await flush();
    await flush();
    expect(started).toEqual(['a', 'b']);
  });

  it('holds on while the burst keeps the event loop busy, and goes on one at a time after the longer hold', async () => {
    let loop = 0.97;
    const { attempts, started, finish } = scheduler({ now: () => now, burst: 5, windowMs: 100, maxHoldMs: 1_000, saturatedHoldMs: 3_000, loopBusy: () => loop });
    const arrive = () => {
      for (let i = 0; i < 5; i++) attempts.noteArrival();
    };
    arrive();
    attempts.add('a');
    attempts.add('b');
    attempts.add('c');
    for (now = 100; now < 3_000; now += 100) {
      arrive();
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(started).toEqual([]);
    now = 3_000;
    arrive();
    await vi.advanceTimersByTimeAsync(100);
    expect(started).toEqual(['a']);
    // The loop gets time to spare: the past-the-hold pace (one at a time) goes on.
    loop = 0.5;
    finish.get('a')?.();
    await flush();
    await flush();
    expect(started).toEqual(['a', 'b']);
  });

  it('starts an urgent attempt (a stepped hop) at once, even mid-burst, without taking a turn', async () => {
    const { attempts, started } = scheduler({ now: () => now, burst: 5, maxHoldMs: 10_000 });
    for (let i = 0; i < 5; i++) attempts.noteArrival();
    attempts.add('queued');
    attempts.add('stepped', true);
    await flush();
    expect(started).toEqual(['stepped']);
    expect(attempts.waiting).toBe(1);
  });

  it('keeps thousands waiting in arrival order and starts them all once the burst is over', async () => {
    const { attempts, started, finish } = scheduler({ now: () => now, burst: 5, windowMs: 100, maxHoldMs: 60_000, maxRunning: 64 });
    for (let i = 0; i < 5; i++) attempts.noteArrival();
    const names = Array.from({ length: 3_000 }, (_, i) => `m${i}`);
    for (const name of names) attempts.add(name);
    expect(attempts.waiting).toBe(3_000);
    now = 250;
    await vi.advanceTimersByTimeAsync(250);
    while (started.length < names.length) {
      for (const name of started) finish.get(name)?.();
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(started).toEqual(names);
    expect(attempts.waiting).toBe(0);
  });

  it('goes on with the next attempt after one fails', async () => {
    const started: string[] = [];
    const attempts = new AttemptScheduler<string>(
      async (name) => {
        started.push(name);
        throw new Error('relay broke');
      },
      { now: () => now, maxRunning: 1 },
    );
    attempts.add('first');
    attempts.add('second');
    attempts.add('stepped', true);
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual(['first', 'stepped', 'second']);
    expect(attempts.waiting).toBe(0);
  });

  it('drops what waits when closed: nothing starts later', async () => {
    const { attempts, started } = scheduler({ now: () => now, burst: 1, maxHoldMs: 10_000 });
    attempts.noteArrival();
    attempts.add('never');
    const startedOrClosed = attempts.nextStart();
    attempts.close();
    await expect(startedOrClosed).resolves.toBeUndefined();
    attempts.add('after close');
    now = 60_000;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(started).toEqual([]);
    expect(attempts.waiting).toBe(0);
  });
});
