import { describe, expect, it } from 'vitest';
import type { WireEvent } from '../wire';
import { authUserOf, queueIdOf } from './journey-model';
import { JourneyTracker } from './journey-tracker';
import { wire } from './test-wire';

/** AUTH PLAIN of the lab account ann@lab.test / lab-demo: "\0ann@lab.test\0lab-demo". */
const PLAIN = 'AGFubkBsYWIudGVzdABsYWItZGVtbw==';

/** Mark every event from the `from`-th on as travelling inside TLS, as the tap does. */
function tlsFrom(events: WireEvent[], from: number): WireEvent[] {
  return events.map((e, i) => (i >= from ? { ...e, tls: true } : e));
}

const SUBMISSION = wire(`
  * connected
  S: 220 lab.test ESMTP
  C: EHLO client.test
  S: 250-lab.test
  S: 250-STARTTLS
  S: 250 PIPELINING
  C: STARTTLS
  S: 220 Ready to start TLS
  * tls
  C: EHLO client.test
  S: 250-lab.test
  S: 250-AUTH PLAIN LOGIN
  S: 250 PIPELINING
  C: AUTH PLAIN ${PLAIN}
  S: 235 2.7.0 Authentication successful
  C: MAIL FROM:<ann@lab.test>
  C: RCPT TO:<bob@lab.test>
  S: 250 Accepted
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

describe('JourneyTracker on real-looking transcripts', () => {
  it('follows a submission over STARTTLS and AUTH to the queue id', () => {
    const journey = JourneyTracker.replay(tlsFrom(SUBMISSION, 9));
    expect(journey.state).toBe('accepted');
    expect(journey.steps.map((s) => s.step)).toEqual([
      'connecting', 'greeted', 'ehlo', 'starttls', 'auth', 'envelope', 'content', 'accepted',
    ]);
    const c = journey.context;
    expect(c).toMatchObject({
      tls: true, implicitTls: false, authenticated: true, authUser: 'ann@lab.test', from: 'ann@lab.test', queueId: '7F3A9C',
      response: { code: 250, text: 'Ok: queued as 7F3A9C' },
    });
    expect(c.accepted).toEqual([{ address: 'bob@lab.test', code: 250, text: 'Accepted' }]);
    expect(c.refused).toEqual([]);
    // Rows of the script are 1 ms apart: connected at 0, greeting at 1, EHLO 250 at 5.
    expect(c.enteredAt).toMatchObject({ connecting: 0, greeted: 1, ehlo: 5, starttls: 7, auth: 14, envelope: 17, content: 20, accepted: 25 });
    expect(journey.steps.find((s) => s.step === 'content')?.ms).toBe(5);
    expect(journey.steps.at(-1)?.ms).toBeNull();
  });

  it('takes implicit TLS from a first event inside TLS, and AUTH LOGIN', () => {
    const events = wire(`
      * connected
      S: 220 lab.test ESMTP
      C: EHLO client.test
      S: 250 lab.test
      C: AUTH LOGIN
      S: 334 VXNlcm5hbWU6
      C: YW5uQGxhYi50ZXN0
      S: 334 UGFzc3dvcmQ6
      C: bGFiLWRlbW8=
      S: 235 ok
      C: MAIL FROM:<ann@lab.test>
      S: 250 ok
      C: RCPT TO:<bob@lab.test>
      S: 250 ok
      C: DATA
      S: 354 go
      C: .
      S: 250 Ok: queued as ABC123`).map((e) => ({ ...e, tls: true }));
    const journey = JourneyTracker.replay(events);
    expect(journey.state).toBe('accepted');
    expect(journey.context).toMatchObject({ tls: true, implicitTls: true, authUser: 'ann@lab.test', queueId: 'ABC123' });
    expect(journey.context.enteredAt.starttls).toBeUndefined();
  });

  it('takes implicit TLS from a TLS event before the greeting', () => {
    const journey = JourneyTracker.replay(wire('* connected\n* tls\nS: 220 lab.test ESMTP\nC: EHLO a.test\nS: 250 hi'));
    expect(journey.state).toBe('ehlo');
    expect(journey.context).toMatchObject({ tls: true, implicitTls: true });
  });

  it('skips STARTTLS and AUTH on plain port 25, even without a connected line', () => {
    const journey = JourneyTracker.replay(wire(`
      S: 220 lab.test ESMTP
      C: EHLO client.test
      S: 250 lab.test
      C: MAIL FROM:<>
      S: 250 ok
      C: RCPT TO:<bob@lab.test>
      S: 250 ok
      C: DATA
      S: 354 go
      C: .
      S: 250 queued`));
    expect(journey.state).toBe('accepted');
    expect(journey.steps.map((s) => s.step)).toEqual(['connecting', 'greeted', 'ehlo', 'envelope', 'content', 'accepted']);
    expect(journey.context).toMatchObject({ tls: false, authenticated: false, authUser: null, from: '', queueId: null });
  });

  it('ends refused when every recipient is refused and the client gives up', () => {
    const journey = JourneyTracker.replay(wire(`
      S: 220 lab.test ESMTP
      C: EHLO client.test
      S: 250 lab.test
      C: MAIL FROM:<ann@lab.test>
      C: RCPT TO:<nobody@lab.test>
      C: RCPT TO:<ghost@lab.test>
      S: 250 ok
      S: 550 5.1.1 No such user
      S: 550 5.1.1 No such user
      C: QUIT
      S: 221 bye`));
    expect(journey.state).toBe('refused');
    expect(journey.context.refused.map((r) => `${r.code} ${r.address}`)).toEqual(['550 nobody@lab.test', '550 ghost@lab.test']);
    expect(journey.context.response).toEqual({ code: 550, enhanced: '5.1.1', text: '5.1.1 No such user' });
  });

  it('keeps going when only some recipients are refused', () => {
    const journey = JourneyTracker.replay(wire(`
      S: 220 lab.test
      C: EHLO client.test
      S: 250 lab.test
      C: MAIL FROM:<ann@lab.test>
      S: 250 ok
      C: RCPT TO:<nobody@lab.test>
      S: 550 no
      C: RCPT TO:<bob@lab.test>
      S: 250 ok
      C: DATA
      S: 354 go`));
    expect(journey.state).toBe('content');
    expect(journey.context.accepted.map((r) => r.address)).toEqual(['bob@lab.test']);
  });

  it('ends refused on 535, without a user name', () => {
    const journey = JourneyTracker.replay(wire(`
      S: 220 lab.test
      C: EHLO client.test
      S: 250 lab.test
      C: AUTH PLAIN [hidden: not a lab account]
      S: 535 5.7.8 Authentication credentials invalid
      C: QUIT`));
    expect(journey.state).toBe('refused');
    expect(journey.context).toMatchObject({ authenticated: false, authUser: null, response: { code: 535 } });
  });

  it('never decodes a line the tap hid', () => {
    const events = wire(`
      S: 220 lab.test
      C: EHLO client.test
      S: 250 lab.test
      C: AUTH PLAIN ${PLAIN}
      S: 235 ok`).map((e) => (e.text.startsWith('AUTH') ? { ...e, redacted: true } : e));
    expect(JourneyTracker.replay(events).context).toMatchObject({ authenticated: true, authUser: null });
  });

  it('ends refused on a greeting of 554, and on a 421 anywhere', () => {
    expect(JourneyTracker.replay(wire('* connected\nS: 554 go away\n* closed')).state).toBe('refused');
    const late = JourneyTracker.replay(wire('S: 220 hi\nC: EHLO a.test\nS: 250 hi\nC: MAIL FROM:<a@b.test>\nS: 421 shutting down'));
    expect(late.state).toBe('refused');
    expect(late.context.response?.code).toBe(421);
  });

  it('ends refused when the end of data is refused', () => {
    const journey = JourneyTracker.replay(wire(`
      S: 220 hi
      C: EHLO a.test
      S: 250 hi
      C: MAIL FROM:<a@b.test>
      S: 250 ok
      C: RCPT TO:<c@d.test>
      S: 250 ok
      C: DATA
      S: 354 go
      C: .
      S: 552 5.3.4 Message too big`));
    expect(journey.state).toBe('refused');
    expect(journey.context.queueId).toBeNull();
  });

  it('ends aborted when the connection closes mid-content', () => {
    const journey = JourneyTracker.replay(wire(`
      S: 220 hi
      C: EHLO a.test
      S: 250 hi
      C: MAIL FROM:<a@b.test>
      S: 250 ok
      C: RCPT TO:<c@d.test>
      S: 250 ok
      C: DATA
      S: 354 go
      C: Subject: half
      * closed`));
    expect(journey.state).toBe('aborted');
    expect(journey.context.response).toBeNull();
    expect(journey.context.enteredAt.aborted).toBe(10);
  });

  it('reads pipelined MAIL, RCPT, RCPT, DATA in order', () => {
    const journey = JourneyTracker.replay(wire(`
      S: 220 hi
      C: EHLO a.test
      S: 250 hi
      C: MAIL FROM:<a@b.test>
      C: RCPT TO:<c@d.test>
      C: RCPT TO:<e@d.test>
      C: DATA
      S: 250 ok
      S: 250 ok
      S: 450 try later
      S: 354 go`));
    expect(journey.state).toBe('content');
    expect(journey.context.accepted.map((r) => r.address)).toEqual(['c@d.test']);
    expect(journey.context.refused.map((r) => `${r.code} ${r.address}`)).toEqual(['450 e@d.test']);
  });

  it('ignores TLS records and other hops', () => {
    const events = wire('S: 220 hi\nC: EHLO a.test\nS: 250 hi');
    const noise: WireEvent[] = [
      { conversation: 'test', hop: 0, dir: 'info', info: 'record', text: '', at: 1, tls: true, record: { from: 'server', type: 'application-data', bytes: 40 } },
      { conversation: 'test', hop: 1, dir: 'info', info: 'closed', text: '', at: 1, tls: false },
    ];
    expect(JourneyTracker.replay([...events.slice(0, 1), ...noise, ...events.slice(1)]).state).toBe('ehlo');
  });
});

describe('journey helpers', () => {
  it('reads the queue id', () => {
    expect(queueIdOf('Ok: queued as 1A2B-3C')).toBe('1A2B-3C');
    expect(queueIdOf('2.0.0 Ok: queued')).toBeNull();
  });

  it('decodes lab user names from PLAIN (with or without initial response) and LOGIN', () => {
    expect(authUserOf([`AUTH PLAIN ${PLAIN}`])).toBe('ann@lab.test');
    expect(authUserOf(['AUTH PLAIN', PLAIN])).toBe('ann@lab.test');
    expect(authUserOf(['AUTH LOGIN', 'YW5uQGxhYi50ZXN0', 'bGFiLWRlbW8='])).toBe('ann@lab.test');
    expect(authUserOf(['AUTH CRAM-MD5', 'abc'])).toBeNull();
    expect(authUserOf(['AUTH PLAIN [hidden: not a lab account]'])).toBeNull();
  });
});
