import { describe, expect, it } from 'vitest';
import { ladderLayout } from '../../core/ladder/ladder-layout';
import { SessionTracker } from '../../core/machines/session-tracker';
import { opening, wire } from '../../core/machines/test-wire';
import type { WireEvent } from '../../core/wire';
import { LadderFollower } from './ladder-follower';

const linesOf = (events: readonly WireEvent[]) => {
  const tracker = new SessionTracker();
  for (const event of events) tracker.push(event);
  return tracker.lines;
};
const noops = (count: number, from = 0) => wire(Array.from({ length: count }, (_, i) => `C: NOOP ${from + i}\nS: 250 2.0.0 OK`).join('\n'));

describe('a ladder followed as its conversation grows', () => {
  const events = [...wire(`* connected\n${opening('PIPELINING')}`), ...noops(5_000)];

  it('lays out a 10,000-line conversation chosen at once in slices, the whole ladder at the end', () => {
    const follower = new LadderFollower();
    follower.arrived(events, linesOf(events));
    let slices = 0;
    let ladder = follower.slice(1);
    for (slices = 1; follower.behind > 0; slices++) ladder = follower.slice(1);
    // A 1 ms budget cannot take 10,000 lines in one go: the page gets the main thread back between slices.
    expect(slices).toBeGreaterThan(5);
    expect(ladder).toEqual(ladderLayout(events));
    expect(follower.work.rows).toBe(events.length);
  });

  it('lays out only the new lines as they arrive, and starts over when earlier lines come before', () => {
    const follower = new LadderFollower();
    const first = events.slice(0, 1_000);
    follower.arrived(first, linesOf(first));
    while (follower.behind > 0) follower.slice(50);
    follower.arrived(events, linesOf(events));
    expect(follower.behind).toBe(events.length - first.length);
    while (follower.behind > 0) follower.slice(50);
    expect(follower.work.rows).toBe(events.length);

    // The lines before the ones shown, loaded from the bridge: the ladder is laid out again from them.
    const earlier = [...noops(3, 9_000), ...events];
    follower.arrived(earlier, linesOf(earlier));
    expect(follower.behind).toBe(earlier.length);
    let ladder = follower.slice(50);
    while (follower.behind > 0) ladder = follower.slice(50);
    expect(ladder).toEqual(ladderLayout(earlier));
    expect(follower.work.rows).toBe(earlier.length);
  });
});
