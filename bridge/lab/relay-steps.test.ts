import { describe, expect, it } from 'vitest';
import type { DeliverySummary } from '../../core/protocol/delivery';
import type { HopStart } from '../world/hop';
import type { TapEvent } from '../tap/line-tap';
import type { Emit } from './conversations';
import { RelaySteps } from './relay-steps';

const HOP = { queueId: 'Q1', hop: 1, attempt: 1, kind: 'relay', domain: 'example.test', host: 'mx.example.test', address: '10.0.0.2', client: { name: 'smtp.lab.test', address: '10.0.0.1' } } as unknown as HopStart;

/** A hop's conversation as the tap records it: "C: …" client lines, "S: …" server lines. */
function hop(script: string[]): TapEvent[] {
  const events: TapEvent[] = script.map((line, at) => ({ dir: line.startsWith('C: ') ? 'client' : 'server', text: line.slice(3), at, tls: false }));
  events.push({ dir: 'info', info: 'closed', text: 'closed', at: script.length, tls: false });
  return events;
}

function finish(script: string[]): DeliverySummary {
  const finished: DeliverySummary[] = [];
  const emit: Emit = (event, ...args) => {
    if (event === 'delivery.finished') finished.push(args[0] as DeliverySummary);
  };
  const steps = new RelaySteps({ accounts: [], emit, storedBy: () => 'M1' });
  const step = steps.start(HOP, 'c1', 'd1');
  for (const event of hop(script)) step.observe(event);
  step.closed();
  const summary = finished[0];
  if (!summary) throw new Error('no delivery.finished');
  return summary;
}

const OPENING = ['S: 220 mx.example.test ESMTP', 'C: EHLO smtp.lab.test', 'S: 250 mx.example.test', 'C: MAIL FROM:<a@lab.test>', 'S: 250 ok', 'C: RCPT TO:<b@example.test>'];

describe('a stepped relay hop ends as its replies say', () => {
  it('is accepted when the receiving server takes the message, whatever words its 250 uses', () => {
    const summary = finish([...OPENING, 'S: 250 ok', 'C: DATA', 'S: 354 go', 'C: hi', 'C: .', 'S: 250 OK id=1abc', 'C: QUIT', 'S: 221 bye']);
    expect(summary).toMatchObject({ outcome: 'accepted', response: '250 OK id=1abc', queueId: null, messageId: 'M1' });
  });

  it('takes the queue id from the reply to the end of data', () => {
    const summary = finish([...OPENING, 'S: 250 ok', 'C: DATA', 'S: 354 go', 'C: .', 'S: 250 2.0.0 Ok: queued as 7F3A', 'C: QUIT', 'S: 221 bye']);
    expect(summary).toMatchObject({ outcome: 'accepted', queueId: '7F3A' });
  });

  it('is refused by the reply that refused it, not by a refusal the client recovered from', () => {
    const refused = finish([...OPENING, 'S: 550 5.1.1 no such user', 'C: QUIT', 'S: 221 bye']);
    expect(refused).toMatchObject({ outcome: 'refused', response: '550 5.1.1 no such user' });
    expect(refused.error).toMatch(/receiving server refused/);
    const later = finish([...OPENING, 'S: 250 ok', 'C: RCPT TO:<c@example.test>', 'S: 450 4.2.1 try later', 'C: DATA', 'S: 354 go', 'C: .', 'S: 250 2.0.0 Ok: queued as 9B', 'C: QUIT', 'S: 221 bye']);
    expect(later).toMatchObject({ outcome: 'accepted', queueId: '9B' });
  });
});
