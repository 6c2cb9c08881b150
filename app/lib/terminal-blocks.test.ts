import { describe, expect, it } from 'vitest';
import { SessionTracker } from '../../core/machines/session-tracker';
import { opening, wire } from '../../core/machines/test-wire';
import { TerminalBlocks } from './terminal-blocks';

const lines = (script: string) => SessionTracker.replay(wire(script)).lines;

describe('TerminalBlocks', () => {
  const all = lines(`${opening('PIPELINING')}
    C: MAIL FROM:<a@lab.test>
    S: 250 2.1.0 Ok
    C: RCPT TO:<full@example.test>
    S: 452 4.2.2 Mailbox full
    C: RCPT TO:<b@lab.test>
    S: 250 2.1.5 Ok
    C: DATA
    S: 354 Go ahead
    C: .hidden
    C: .
    S: 250 Queued`);

  it('keeps a multi-line reply in one block, with a row for its mark and for a dot-stuffing note', () => {
    const blocks = new TerminalBlocks().update(all);
    const ehlo = blocks.find((b) => b.kind === 'server' && b.texts.length > 1);
    expect(ehlo?.rows).toBe(ehlo?.kind === 'server' ? ehlo.texts.length : -1);
    const full = blocks.find((b) => b.kind === 'server' && b.texts[0]?.startsWith('452'));
    expect(full?.rows).toBe(2);
    expect(blocks.find((b) => b.kind === 'client' && b.text === '.hidden')?.rows).toBe(2);
  });

  it('gives the same blocks fed a line at a time as fed all at once, reusing the finished ones', () => {
    const whole = new TerminalBlocks().update(all);
    const growing = new TerminalBlocks();
    let previous = growing.update([]);
    for (let n = 1; n <= all.length; n++) {
      const next = growing.update(all.slice(0, n));
      // Every finished block before the last two is the very same object as before: not rebuilt.
      for (let i = 0; i < previous.length - 1; i++) expect(next[i]).toBe(previous[i]);
      previous = next;
    }
    expect(previous).toEqual(whole);
  });

  it('starts over for another conversation', () => {
    const blocks = new TerminalBlocks();
    blocks.update(all);
    const other = lines(opening());
    expect(blocks.update(other)).toEqual(new TerminalBlocks().update(other));
  });
});
