import { describe, expect, it } from 'vitest';
import { relayHopEnds, senderOf } from './hop-ends';
import { journeyPath } from './journey-path';
import type { WorldEvent } from './world-events';

const RELAY = 'smtp.lab.test';
const queued = (queueId: string, kind: 'mail' | 'bounce', conversation: string | null): WorldEvent =>
  ({ type: 'queued', at: 0, queueId, kind, from: kind === 'bounce' ? '' : 'learner@lab.test', to: ['learner@lab.test'], conversation });
const hop = (queueId: string, host: string, conversation: string, n = 1): WorldEvent =>
  ({ type: 'relay.hop', at: 2, queueId, attempt: 1, hop: n, domain: host.replace(/^mx\d?\./, ''), host, conversation });

describe('relayHopEnds', () => {
  it('names the relay and the host it reached, never the submission server for both', () => {
    const events = [queued('Q1', 'mail', 'c1'), hop('Q1', 'mx.example.test', 'r1')];
    expect(relayHopEnds('r1', events, RELAY)).toEqual({ client: RELAY, server: 'mx.example.test', hop: 1, domain: 'example.test' });
  });

  it('names the recipient host as the client of a late bounce it sends back', () => {
    const events: WorldEvent[] = [
      queued('Q1', 'mail', 'c1'),
      hop('Q1', 'mx.example.test', 'r1'),
      queued('B1', 'bounce', null),
      { type: 'bounce', at: 40, queueId: 'L1', bounceQueueId: 'B1', to: 'learner@lab.test', recipients: ['bounce@example.test'], reportingMta: 'mx.example.test' },
      hop('B1', 'mx.lab.test', 'r2', 2),
    ];
    expect(relayHopEnds('r2', events, RELAY)).toMatchObject({ client: 'mx.example.test', server: 'mx.lab.test', hop: 2 });
    expect(senderOf('Q1', events, RELAY)).toBe(RELAY);
    // The hop map reads the same names.
    expect(journeyPath(null, events, 'B1').hops[0]).toMatchObject({ from: 'mx.example.test', to: 'mx.lab.test', conversation: 'r2' });
  });

  it('knows no ends for a conversation no relay hop names', () => {
    expect(relayHopEnds('c1', [queued('Q1', 'mail', 'c1')], RELAY)).toBeNull();
  });
});
