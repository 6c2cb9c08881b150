import { describe, expect, it } from 'vitest';
import { SessionTracker } from '../machines/session-tracker';
import { opening, wire } from '../machines/test-wire';
import type { WireEvent } from '../wire';
import { pipelinedBatches } from './pipelining';

describe('pipelinedBatches', () => {
  const events: WireEvent[] = wire(`${opening('PIPELINING')}
    C: MAIL FROM:<a@b.test>
    C: RCPT TO:<c@d.test>
    C: DATA
    S: 250 ok
    S: 250 ok
    S: 354 go
    C: .
    S: 250 queued
    C: NOOP
    C: NOOP
    S: 250 ok
    S: 250 ok`);
  // A TLS record size between lines: the tracked lines leave it out, the events keep it.
  const withRecord = [...events.slice(0, 3), { ...events[2]!, dir: 'info', info: 'record', text: '61 bytes' } as WireEvent, ...events.slice(3)];

  it('finds the same batches from the tracker lines the caller already has as from reading the events again', () => {
    const lines = SessionTracker.replay(withRecord.filter((e) => e.info !== 'record')).lines;
    const batches = pipelinedBatches(withRecord);
    expect([...batches.values()]).toEqual([0, 0, 0, 1, 1]);
    expect(pipelinedBatches(withRecord, lines)).toEqual(batches);
  });
});
