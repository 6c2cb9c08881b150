import { describe, expect, it } from 'vitest';
import { SessionTracker } from './session-tracker';
import { opening, wire } from './test-wire';
import { validNow } from './valid-now';

const verbsAfter = (script: string) => {
  const tracker = SessionTracker.replay(wire(script));
  return validNow(tracker.state, tracker.context).map((c) => c.verb);
};

describe('validNow', () => {
  it('offers nothing before the greeting or after the close', () => {
    expect(verbsAfter('* connected')).toEqual([]);
    expect(verbsAfter('S: 220 hi\nC: QUIT\nS: 221 bye')).toEqual([]);
  });

  it('asks for EHLO after the greeting', () => {
    expect(verbsAfter('S: 220 hi')).toEqual(['EHLO', 'HELO', 'NOOP', 'RSET', 'VRFY', 'HELP', 'QUIT']);
  });

  it('offers STARTTLS and AUTH only when advertised and not yet done', () => {
    expect(verbsAfter(opening('SIZE 1000'))).not.toContain('STARTTLS');
    const offered = verbsAfter(opening('STARTTLS', 'AUTH PLAIN LOGIN'));
    expect(offered.slice(0, 3)).toEqual(['MAIL', 'STARTTLS', 'AUTH']);
    expect(verbsAfter(`${opening('STARTTLS')}\nC: STARTTLS\nS: 220 go\n* tls\nC: EHLO a.test\nS: 250-hi\nS: 250 STARTTLS`)).not.toContain('STARTTLS');
    expect(verbsAfter(`${opening('AUTH PLAIN')}\nC: AUTH PLAIN AGEAYg==\nS: 235 ok`)).not.toContain('AUTH');
  });

  it('mentions the size limit the server announced', () => {
    const tracker = SessionTracker.replay(wire(opening('SIZE 10485760')));
    expect(validNow(tracker.state, tracker.context)[0]?.why).toContain('10485760');
  });

  it('walks a transaction: RCPT, then DATA (and BDAT with CHUNKING), then message lines', () => {
    const envelope = `${opening('CHUNKING')}\nC: MAIL FROM:<a@b.test>\nS: 250 ok`;
    expect(verbsAfter(envelope)[0]).toBe('RCPT');
    expect(verbsAfter(`${envelope}\nC: RCPT TO:<c@d.test>\nS: 250 ok`)).toEqual(['RCPT', 'DATA', 'BDAT', 'RSET', 'NOOP', 'QUIT']);
    expect(verbsAfter(`${opening()}\nC: MAIL FROM:<a@b.test>\nS: 250 ok\nC: RCPT TO:<c@d.test>\nS: 250 ok`)).not.toContain('BDAT');
    expect(verbsAfter(`${envelope}\nC: RCPT TO:<c@d.test>\nS: 250 ok\nC: DATA\nS: 354 go`)).toEqual(['message lines, then a lone "."']);
  });

  it('in auth asks for a SASL response; when refused only QUIT', () => {
    expect(verbsAfter(`${opening('AUTH LOGIN')}\nC: AUTH LOGIN\nS: 334 VXNlcm5hbWU6`)).toEqual(['base64 response or *']);
    expect(verbsAfter('S: 554 no')).toEqual(['QUIT']);
  });
});
