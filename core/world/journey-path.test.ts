import { describe, expect, it } from 'vitest';
import { checkOfCopy, journeyConversationOfCheck, journeyPath, queueIdForConversation, rootQueueId, type SubmissionHop } from './journey-path';
import { LabDns } from './lab-dns';
import { LAB_WORLD } from './world-definition';
import type { WorldEvent } from './world-events';

const dns = new LabDns(LAB_WORLD);
const submitted: SubmissionHop = { conversation: 'c1', state: 'accepted', queueId: 'Q1' };

function lookup(queueId: string, domain: string, at = 1): WorldEvent {
  const answer = dns.resolveMx(domain);
  return { type: 'dns.lookup', at, queueId, query: { name: domain, type: 'MX' }, answer, chosen: answer.candidates[0]?.exchange ?? null };
}
function hop(queueId: string, attempt: number, host: string, conversation: string, at = 2, n = 1): WorldEvent {
  return { type: 'relay.hop', at, queueId, attempt, hop: n, domain: host.replace(/^mx\d?\./, ''), host, conversation };
}
function recipient(queueId: string, attempt: number, address: string, outcome: 'delivered' | 'deferred' | 'failed', host: string | null, retryAt: number | null = null): WorldEvent {
  const response = outcome === 'delivered' ? '250 2.0.0 Ok' : outcome === 'deferred' ? '451 4.7.1 Greylisted' : '550 5.1.1 No such user';
  return { type: 'recipient', at: 3, queueId, attempt, recipient: address, outcome, response, status: response.split(' ')[1] ?? '', host, retryAt };
}
const queued = (queueId: string, to: string[], kind: 'mail' | 'bounce' = 'mail', conversation: string | null = 'c1'): WorldEvent =>
  ({ type: 'queued', at: 0, queueId, kind, from: kind === 'bounce' ? '' : 'learner@lab.test', to, conversation });

describe('journeyPath', () => {
  it('follows the first hop alone until the queue speaks', () => {
    expect(journeyPath({ ...submitted, state: 'envelope', queueId: null }, []).state).toBe('submitting');
    expect(journeyPath({ ...submitted, state: 'refused', queueId: null }, []).state).toBe('refused');
    const accepted = journeyPath(submitted, []);
    expect(accepted.state).toBe('queued');
    expect(accepted.hops).toEqual([expect.objectContaining({ hop: 0, state: 'accepted', conversation: 'c1', to: 'smtp.lab.test' })]);
  });

  it('goes queued → lookup → relay → delivered, and finds the mailbox copy', () => {
    const events: WorldEvent[] = [queued('Q1', ['alice@example.test']), lookup('Q1', 'example.test')];
    expect(journeyPath(submitted, events).state).toBe('lookup');
    events.push({ type: 'relay.connecting', at: 2, queueId: 'Q1', attempt: 1, domain: 'example.test', host: 'mx.example.test', address: '192.0.2.21', preference: 10 });
    events.push(hop('Q1', 1, 'mx.example.test', 'r1'));
    const relaying = journeyPath(submitted, events);
    expect(relaying.state).toBe('relay');
    expect(relaying.hops[1]).toMatchObject({ hop: 1, to: 'mx.example.test', conversation: 'r1', state: 'in-progress' });
    expect(relaying.lookups[0]?.answer.candidates[0]).toMatchObject({ exchange: 'mx.example.test', preference: 10 });

    events.push({ type: 'stored', at: 3, mailbox: 'alice@example.test', messageId: 'M2', host: 'mx.example.test', conversation: 'r1', outside: false });
    events.push(recipient('Q1', 1, 'alice@example.test', 'delivered', 'mx.example.test'), { type: 'done', at: 3, queueId: 'Q1' });
    const path = journeyPath(submitted, events);
    expect(path.state).toBe('delivered');
    expect(path.hops[1]?.state).toBe('delivered');
    expect(path.recipients).toEqual([expect.objectContaining({ address: 'alice@example.test', outcome: 'delivered', mailbox: 'alice@example.test', messageId: 'M2' })]);
  });

  it('shows a host refused under MTA-STS as one step with its conversation, then the next host delivering', () => {
    const refusal = 'MTA-STS: tls-required.test publishes a policy in enforce mode, so the relay delivers to mx.tls-required.test only over verified TLS';
    const events: WorldEvent[] = [
      queued('Q1', ['frank@tls-required.test']),
      lookup('Q1', 'tls-required.test'),
      hop('Q1', 1, 'mx.tls-required.test', 'r1'),
      { type: 'relay.unreachable', at: 2, queueId: 'Q1', attempt: 1, domain: 'tls-required.test', host: 'mx.tls-required.test', error: refusal },
      hop('Q1', 1, 'mx2.tls-required.test', 'r2'),
      recipient('Q1', 1, 'frank@tls-required.test', 'delivered', 'mx2.tls-required.test'),
    ];
    const path = journeyPath(submitted, events);
    expect(path.hops.slice(1)).toEqual([
      expect.objectContaining({ to: 'mx.tls-required.test', conversation: 'r1', state: 'unreachable', detail: refusal }),
      expect.objectContaining({ to: 'mx2.tls-required.test', conversation: 'r2', state: 'delivered' }),
    ]);
    expect(path.state).toBe('delivered');
  });

  it('defers with the retry time, then retries and delivers', () => {
    const events: WorldEvent[] = [
      queued('Q1', ['greylist@example.test']),
      lookup('Q1', 'example.test'),
      hop('Q1', 1, 'mx.example.test', 'r1'),
      recipient('Q1', 1, 'greylist@example.test', 'deferred', 'mx.example.test', 300_000),
    ];
    const deferred = journeyPath(submitted, events);
    expect(deferred.state).toBe('deferred');
    expect(deferred.nextRetryAt).toBe(300_000);
    expect(deferred.hops[1]).toMatchObject({ state: 'deferred', retryAt: 300_000, detail: '451 4.7.1 Greylisted' });

    events.push(lookup('Q1', 'example.test', 300_001));
    expect(journeyPath(submitted, events).state).toBe('retry');
    events.push(hop('Q1', 2, 'mx.example.test', 'r2'));
    expect(journeyPath(submitted, events).state).toBe('retry');
    events.push(recipient('Q1', 2, 'greylist@example.test', 'delivered', 'mx.example.test'));
    const done = journeyPath(submitted, events);
    expect(done.state).toBe('delivered');
    expect(done.nextRetryAt).toBeNull();
    expect(done.hops.map((h) => [h.attempt, h.state])).toEqual([[0, 'accepted'], [1, 'deferred'], [2, 'delivered']]);
    expect(done.recipients[0]?.attempts).toBe(2);
  });

  it('shows an unreachable preferred MX before the fallback', () => {
    const events: WorldEvent[] = [
      queued('Q1', ['x@fallback.test']),
      lookup('Q1', 'fallback.test'),
      { type: 'relay.unreachable', at: 2, queueId: 'Q1', attempt: 1, domain: 'fallback.test', host: 'mx1.fallback.test', error: 'ECONNREFUSED' },
      hop('Q1', 1, 'mx2.fallback.test', 'r1'),
      recipient('Q1', 1, 'x@fallback.test', 'delivered', 'mx2.fallback.test'),
    ];
    const path = journeyPath(submitted, events);
    expect(path.hops.slice(1).map((h) => [h.to, h.state])).toEqual([['mx1.fallback.test', 'unreachable'], ['mx2.fallback.test', 'delivered']]);
    expect(path.state).toBe('delivered');
  });

  it('bounces an unknown user, and follows the DSN into the sender mailbox', () => {
    const events: WorldEvent[] = [
      queued('Q1', ['nobody@example.test', 'alice@example.test']),
      lookup('Q1', 'example.test'),
      hop('Q1', 1, 'mx.example.test', 'r1'),
      recipient('Q1', 1, 'nobody@example.test', 'failed', 'mx.example.test'),
      recipient('Q1', 1, 'alice@example.test', 'delivered', 'mx.example.test'),
      queued('B1', ['learner@lab.test'], 'bounce', null),
      { type: 'bounce', at: 3, queueId: 'Q1', bounceQueueId: 'B1', to: 'learner@lab.test', recipients: ['nobody@example.test'], reportingMta: 'smtp.lab.test' },
      lookup('B1', 'lab.test'),
      hop('B1', 1, 'mx.lab.test', 'r2', 4, 2),
      { type: 'stored', at: 5, mailbox: 'learner@lab.test', messageId: 'M9', host: 'mx.lab.test', conversation: 'r2', outside: false },
      recipient('B1', 1, 'learner@lab.test', 'delivered', 'mx.lab.test'),
    ];
    const path = journeyPath(submitted, events);
    expect(path.state).toBe('partial');
    expect(path.hops[1]?.state).toBe('partial');
    expect(path.recipients.find((r) => r.address === 'nobody@example.test')).toMatchObject({ outcome: 'failed', bounceQueueId: 'B1' });
    const [bounce] = path.bounces;
    expect(bounce).toMatchObject({ queueId: 'B1', kind: 'bounce', bounceOf: 'Q1', state: 'delivered' });
    expect(bounce?.hops[0]).toMatchObject({ hop: 2, to: 'mx.lab.test', conversation: 'r2' });
    expect(bounce?.recipients[0]).toMatchObject({ mailbox: 'learner@lab.test', messageId: 'M9' });
    expect(queueIdForConversation('r2', events)).toBe('B1');
    expect(queueIdForConversation('c1', events)).toBe('Q1');
    expect(rootQueueId('B1', events)).toBe('Q1');
  });

  it('bounces a null MX without a hop', () => {
    const events: WorldEvent[] = [
      queued('Q1', ['a@nullmx.test']),
      lookup('Q1', 'nullmx.test'),
      recipient('Q1', 1, 'a@nullmx.test', 'failed', null),
    ];
    const path = journeyPath(submitted, events);
    expect(path.state).toBe('bounced');
    expect(path.lookups[0]?.answer.kind).toBe('null-mx');
    expect(path.hops).toHaveLength(1);
  });

  it('says a hop rode on a connection kept open from earlier mail, and where its transaction starts there', () => {
    const first = [queued('Q1', ['alice@example.test']), hop('Q1', 1, 'mx.example.test', 'r1'), recipient('Q1', 1, 'alice@example.test', 'delivered', 'mx.example.test')];
    const second = [queued('Q2', ['bob@example.test'], 'mail', 'c2'), { ...hop('Q2', 1, 'mx.example.test', 'r1'), reused: { transaction: 2 } } as WorldEvent, recipient('Q2', 1, 'bob@example.test', 'delivered', 'mx.example.test')];
    const events = [...first, ...second];
    expect(journeyPath(submitted, events).hops[1]?.reused).toBeUndefined();
    expect(journeyPath({ ...submitted, conversation: 'c2', queueId: 'Q2' }, events).hops[1]).toMatchObject({ conversation: 'r1', reused: { transaction: 2 }, state: 'delivered' });
  });

  it('puts the receiving host’s check on the hop whose transaction it judged, also on a kept-open connection', () => {
    const check = (verdict: 'accepted' | 'rejected', at: number): WorldEvent => ({
      type: 'auth', at, host: 'mx.example.test', conversation: 'r1', fromDomain: 'learner.test',
      spf: verdict === 'accepted' ? 'pass' : 'fail', dkim: 'pass', dmarc: verdict === 'accepted' ? 'pass' : 'fail', policy: 'reject', verdict, header: 'Authentication-Results: mx.example.test; spf=pass\r\n',
    });
    const first = [queued('Q1', ['alice@example.test']), hop('Q1', 1, 'mx.example.test', 'r1'), check('accepted', 3), recipient('Q1', 1, 'alice@example.test', 'delivered', 'mx.example.test')];
    const second = [queued('Q2', ['bob@example.test'], 'mail', 'c2'), { ...hop('Q2', 1, 'mx.example.test', 'r1'), reused: { transaction: 2 } } as WorldEvent, check('rejected', 4)];
    const events = [...first, ...second];
    expect(journeyPath(submitted, events).hops[1]?.auth).toBe(first[2]);
    expect(journeyPath({ ...submitted, conversation: 'c2', queueId: 'Q2' }, events).hops[1]?.auth).toBe(second[2]);
    // No check on the submission, nor on a hop whose host has not judged yet.
    expect(journeyPath(submitted, events).hops[0]?.auth).toBeUndefined();
    expect(journeyPath({ ...submitted, conversation: 'c2', queueId: 'Q2' }, [...first, ...second.slice(0, 2)]).hops[1]?.auth).toBeUndefined();

    // The message view finds the same check for each copy stored on that connection.
    const stored = (messageId: string, at: number): WorldEvent => ({ type: 'stored', at, mailbox: 'alice@example.test', messageId, host: 'mx.example.test', conversation: 'r1', outside: false });
    const accepted = check('accepted', 5);
    const withCopies = [...first, stored('m1', 3), ...second, accepted, stored('m2', 6)];
    expect(checkOfCopy(withCopies, 'm1', 'r1')).toBe(first[2]);
    expect(checkOfCopy(withCopies, 'm2', 'r1')).toBe(accepted);
    // And its link to the journey names each mail's own submission, not the shared relay conversation.
    expect(journeyConversationOfCheck(withCopies, first[2] as Extract<WorldEvent, { type: 'auth' }>)).toBe('c1');
    expect(journeyConversationOfCheck(withCopies, accepted as Extract<WorldEvent, { type: 'auth' }>)).toBe('c2');
  });

  it('finds the queue from the submission conversation when the reply named none', () => {
    const path = journeyPath({ ...submitted, queueId: null }, [queued('Q1', ['alice@example.test'])]);
    expect(path.queueId).toBe('Q1');
  });
});
