import { describe, expect, it } from 'vitest';
import { SessionTracker } from '../machines/session-tracker';
import { JourneyTracker } from '../machines/journey-tracker';
import { wire } from '../machines/test-wire';
import type { WireEvent } from '../wire';
import { momentAt, replayViews } from './moment';

/** A delivery over STARTTLS with AUTH, a transaction taken back with RSET, and TLS record sizes in between. */
function conversation(): WireEvent[] {
  const events = wire(`
    * connected
    S: 220 lab.test ESMTP
    C: EHLO client.test
    S: 250-lab.test
    S: 250-STARTTLS
    S: 250 PIPELINING
    C: STARTTLS
    S: 220 Ready to start TLS
    * tls
    * record
    C: EHLO client.test
    S: 250-lab.test
    S: 250-AUTH PLAIN LOGIN
    S: 250 PIPELINING
    * record
    C: AUTH PLAIN AGxlYXJuZXIAbGVhcm5lcg==
    S: 235 2.7.0 Authentication successful
    C: MAIL FROM:<alice@example.test>
    S: 250 Accepted
    C: RSET
    S: 250 Flushed
    C: MAIL FROM:<ann@lab.test>
    S: 250 Accepted
    C: RCPT TO:<bob@lab.test>
    S: 250 Accepted
    C: DATA
    S: 354 End data with <CR><LF>.<CR><LF>
    C: Subject: hi
    C:
    C: hello
    C: .
    S: 250 Ok: queued as 7F3A9C
    C: QUIT
    S: 221 Bye
    * closed`);
  // TLS record sizes are events, not lines: the moment of line N must skip them when counting.
  return events.map((event, i) =>
    event.info === 'record' ? { ...event, record: { from: 'client', type: 'application-data', bytes: 40 + i } } : i > 8 ? { ...event, tls: true } : event,
  );
}

const lineOf = (views: { lines: { event: WireEvent }[] }, text: string) => views.lines.findIndex((l) => l.event.text === text);

describe('a moment of a conversation', () => {
  const events = conversation();
  const live = replayViews(events);

  it('equals a fresh replay of the events up to that line, at every line', () => {
    for (let n = 0; n < live.lines.length; n++) {
      const moment = momentAt(events, n)!;
      const upTo = events.slice(0, events.indexOf(live.lines[n]!.event) + 1);
      const session = SessionTracker.replay(upTo.filter((e) => e.info !== 'record'));
      const journey = JourneyTracker.replay(upTo);
      expect(moment.line).toBe(n);
      expect(moment.of).toBe(live.lines.length);
      expect(moment.events).toEqual(upTo);
      expect(moment.lines).toEqual(live.lines.slice(0, n + 1));
      expect(moment.state).toBe(session.state);
      expect(moment.state).toBe(live.lines[n]!.state);
      expect(moment.context).toEqual(session.context);
      expect(moment.journey.state).toBe(journey.state);
      expect(moment.journey.context).toEqual(journey.context);
    }
  });

  it('shows the sender that RSET later took back, and the journey before the message was queued', () => {
    const afterMail = momentAt(events, lineOf(live, 'MAIL FROM:<alice@example.test>') + 1)!;
    expect(afterMail.state).toBe('mail');
    expect(afterMail.context.reversePath).toBe('alice@example.test');
    expect(afterMail.context.tls).toBe(true);
    expect(afterMail.context.authenticated).toBe(true);
    expect(afterMail.journey.state).not.toBe('accepted');

    const afterRset = momentAt(events, lineOf(live, '250 Flushed'))!;
    expect(afterRset.state).toBe('ready');
    expect(afterRset.context.reversePath).toBeNull();

    // Live, the session is over and the message was accepted.
    expect(live.state).toBe('closed');
    expect(live.journey.state).toBe('accepted');
  });

  it('counts transcript lines, not TLS records, and keeps the records before the line', () => {
    const ehloAgain = live.lines.findIndex((l, i) => i > 3 && l.event.text === 'EHLO client.test');
    const moment = momentAt(events, ehloAgain)!;
    expect(moment.lines.at(-1)!.event.text).toBe('EHLO client.test');
    expect(moment.events.at(-1)!.text).toBe('EHLO client.test');
    expect(moment.events.filter((e) => e.info === 'record')).toHaveLength(1);
  });

  it('takes a line past the end as the last, and has no moment without lines', () => {
    expect(momentAt(events, 10_000)!.line).toBe(live.lines.length - 1);
    expect(momentAt(events, 10_000)!.state).toBe('closed');
    expect(momentAt(events, -3)!.line).toBe(0);
    expect(momentAt([], 0)).toBeNull();
  });
});
