import { describe, expect, it } from 'vitest';
import { mailAuthWorkersLoaded, setWorkThreads, workThreads } from './work-pool';

describe('the worker pool (--work-threads)', () => {
  it('runs as many worker threads as it is given, and refuses a size it cannot have', async () => {
    expect(() => setWorkThreads(0)).toThrow('--work-threads must be a whole number above 0, not 0');
    setWorkThreads(3);
    await mailAuthWorkersLoaded();
    expect(workThreads()).toEqual({ running: 3, size: 3 });
    expect(() => setWorkThreads(4)).toThrow('The worker pool is already running: set its size before the bridge starts');
  });
});
