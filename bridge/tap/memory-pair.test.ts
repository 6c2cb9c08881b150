import { once } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { MemorySocket, whenReleased } from './memory-pair';

const address = { remoteAddress: '203.0.113.5', remotePort: 4242 };

describe('MemorySocket pair', () => {
  it('delivers a write to the peer on a later tick, never inside write()', async () => {
    const { near, far } = MemorySocket.pair(address);
    const seen: string[] = [];
    far.on('data', (chunk: Buffer) => seen.push(chunk.toString()));
    near.write('EHLO x\r\n');
    expect(seen).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['EHLO x\r\n']);
    expect(far.remoteAddress).toBe('203.0.113.5');
    expect(far.remotePort).toBe(4242);
    expect(far.readyState).toBe('open');
  });

  it('holds a writer until the reader takes the data (backpressure)', async () => {
    const { near, far } = MemorySocket.pair(address);
    far.pause();
    const big = Buffer.alloc(64 * 1024);
    let ok = true;
    for (let i = 0; i < 8 && ok; i++) ok = near.write(big);
    expect(ok).toBe(false);
    let drained = false;
    near.once('drain', () => (drained = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(drained).toBe(false);
    far.resume();
    await once(near, 'drain');
  });

  it('passes an end on and closes both sides, like a TCP FIN', async () => {
    const { near, far } = MemorySocket.pair(address);
    far.resume();
    near.resume();
    const closed = Promise.all([once(near, 'close'), once(far, 'close')]);
    far.end('221 Bye\r\n');
    await closed;
    expect(near.readyState).toBe('closed');
  });

  it('ends the peer when one side is destroyed, even with a writer held', async () => {
    const { near, far } = MemorySocket.pair(address);
    near.resume();
    far.pause();
    near.write(Buffer.alloc(256 * 1024));
    const closed = Promise.all([once(near, 'close'), once(far, 'close')]);
    far.destroy();
    await closed;
  });

  it('says it is released even after every listener was removed, as smtp-server does at STARTTLS', async () => {
    const { near, far } = MemorySocket.pair(address);
    near.resume();
    let closeHeard = false;
    far.once('close', () => (closeHeard = true));
    far.removeAllListeners();
    const released = whenReleased(far);
    near.end('QUIT\r\n');
    far.resume();
    await released;
    await Promise.all([whenReleased(near), near.released]);
    expect(far.destroyed).toBe(true);
    expect(closeHeard).toBe(false);
  });

  it("reports idleness with 'timeout' and restarts the clock on activity", async () => {
    // The lab's clocks, not the machine's: a busy machine must not decide this test.
    vi.useFakeTimers();
    try {
      const { near, far } = MemorySocket.pair(address);
      far.resume();
      let timedOut = 0;
      far.setTimeout(60, () => timedOut++);
      await vi.advanceTimersByTimeAsync(40);
      near.write('NOOP\r\n');
      await vi.advanceTimersByTimeAsync(40);
      expect(timedOut).toBe(0);
      await vi.advanceTimersByTimeAsync(60);
      expect(timedOut).toBe(1);
      far.setTimeout(0);
      near.destroy();
    } finally {
      vi.useRealTimers();
    }
  });
});
