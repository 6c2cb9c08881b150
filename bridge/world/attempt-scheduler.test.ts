import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AttemptScheduler } from './attempt-scheduler';

/** A task that records its start and ends when the test says so. */
function tasks() {
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const task = (name: string) => () =>
    new Promise<void>((resolve) => {
      started.push(name);
      finish.set(name, resolve);
    });
  return { started, finish, task };
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
    const scheduler = new AttemptScheduler({ now: () => now });
    const { started, task } = tasks();
    scheduler.noteArrival();
    void scheduler.run(task('a'));
    void scheduler.run(task('b'));
    await flush();
    expect(started).toEqual(['a', 'b']);
  });

  it('holds attempts back during a burst, then lets them through once it is over', async () => {
    const scheduler = new AttemptScheduler({ now: () => now, burst: 5, windowMs: 100, maxHoldMs: 10_000 });
    const { started, task } = tasks();
    for (let i = 0; i < 5; i++) scheduler.noteArrival();
    const done = scheduler.run(task('held'));
    await flush();
    expect(started).toEqual([]);
    expect(scheduler.waiting).toBe(1);
    // Two quiet windows later the burst has passed.
    now = 250;
    await vi.advanceTimersByTimeAsync(250);
    expect(started).toEqual(['held']);
    expect(scheduler.waiting).toBe(0);
    void done;
  });

  it('lets one attempt at a time through a burst that goes on past the longest hold', async () => {
    const scheduler = new AttemptScheduler({ now: () => now, burst: 5, windowMs: 100, maxHoldMs: 1_000 });
    const { started, finish, task } = tasks();
    const arrive = () => {
      for (let i = 0; i < 5; i++) scheduler.noteArrival();
    };
    arrive();
    void scheduler.run(task('a'));
    void scheduler.run(task('b'));
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

  it('starts an urgent attempt (a stepped hop) at once, even mid-burst, without taking a turn', async () => {
    const scheduler = new AttemptScheduler({ now: () => now, burst: 5, maxHoldMs: 10_000 });
    const { started, task } = tasks();
    for (let i = 0; i < 5; i++) scheduler.noteArrival();
    void scheduler.run(task('queued'));
    void scheduler.run(task('stepped'), true);
    await flush();
    expect(started).toEqual(['stepped']);
  });

  it('passes a failed attempt on to its caller and goes on with the next', async () => {
    const scheduler = new AttemptScheduler({ now: () => now });
    const failed = scheduler.run(() => Promise.reject(new Error('relay broke')));
    await expect(failed).rejects.toThrow('relay broke');
    const { started, task } = tasks();
    void scheduler.run(task('next'));
    await flush();
    expect(started).toEqual(['next']);
  });

  it('drops what waits when closed: nothing starts later', async () => {
    const scheduler = new AttemptScheduler({ now: () => now, burst: 1, maxHoldMs: 10_000 });
    const { started, task } = tasks();
    scheduler.noteArrival();
    const waiting = scheduler.run(task('never'));
    scheduler.close();
    await expect(waiting).resolves.toBeUndefined();
    now = 60_000;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(started).toEqual([]);
  });
});
