import { describe, expect, it } from 'vitest';
import { createLabClock } from './lab-clock';

describe('lab clock', () => {
  it('runs nothing until fast-forwarded when real timers are off', async () => {
    const clock = createLabClock({ realTimers: false });
    const ran: number[] = [];
    clock.schedule(60_000, () => void ran.push(1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ran).toEqual([]);
    // The lab clock follows real time too, so leave room for the milliseconds the test itself takes.
    await clock.fastForward(50_000);
    expect(ran).toEqual([]);
    await clock.fastForward(10_000);
    expect(ran).toEqual([1]);
  });

  it('runs each task at its own due time, so tasks scheduled by tasks count from then', async () => {
    const clock = createLabClock({ realTimers: false });
    const start = clock.now();
    const seen: number[] = [];
    const again = (wait: number) => () => {
      seen.push(Math.round((clock.now() - start) / 1000));
      if (wait < 8_000) clock.schedule(wait * 2, again(wait * 2));
    };
    clock.schedule(1_000, again(1_000));
    await clock.fastForward(60_000);
    expect(seen).toEqual([1, 3, 7, 15]);
    expect(clock.now() - start).toBeGreaterThanOrEqual(60_000);
  });

  it('cancels', async () => {
    const clock = createLabClock({ realTimers: false });
    let ran = false;
    const cancel = clock.schedule(10, () => void (ran = true));
    cancel();
    await clock.fastForward(100);
    expect(ran).toBe(false);
  });

  it('fires by itself with real timers', async () => {
    const clock = createLabClock();
    const fired = new Promise<void>((resolve) => clock.schedule(5, resolve));
    await fired;
    clock.close();
  });
});
