import { describe, expect, it } from 'vitest';
import { SessionTracker } from './session-tracker';
import { opening, wire } from './test-wire';

describe('SessionTracker', () => {
  it('says how each client line was read', () => {
    const tracker = SessionTracker.replay(wire(`${opening('AUTH LOGIN', 'CHUNKING')}
      C: AUTH LOGIN
      S: 334 VXNlcm5hbWU6
      C: YW5u
      S: 235 ok
      C: MAIL FROM:<a@b.test>
      S: 250 ok
      C: RCPT TO:<c@d.test>
      S: 250 ok
      C: DATA
      S: 354 go
      C: QUIT
      C: .
      C: BDAT 3
      C: x`));
    const modes = tracker.lines.filter((l) => l.event.dir === 'client').map((l) => `${l.mode}:${l.event.text}`);
    expect(modes).toEqual([
      'command:EHLO client.test', 'command:AUTH LOGIN', 'auth:YW5u', 'command:MAIL FROM:<a@b.test>',
      'command:RCPT TO:<c@d.test>', 'command:DATA', 'data:QUIT', 'data:.', 'command:BDAT 3', 'bdat:x',
    ]);
  });

  it('pairs each complete reply with the command it answers, oldest first', () => {
    const tracker = SessionTracker.replay(wire(`${opening('PIPELINING')}
      C: MAIL FROM:<a@b.test>
      C: RCPT TO:<c@d.test>
      S: 250 sender ok
      S: 550 no such user
      S: 250 extra`));
    const answers = tracker.lines.flatMap((l) => (l.reply ? [[l.reply.reply.code, l.reply.answers]] : []));
    expect(answers).toEqual([
      [220, '<greeting>'], [250, 'EHLO client.test'], [250, 'MAIL FROM:<a@b.test>'], [550, 'RCPT TO:<c@d.test>'], [250, null],
    ]);
    expect(tracker.state).toBe('mail');
  });

  it('says how much of the command a reply answers the tap left out', () => {
    const events = wire(`${opening()}
      C: XXXXXXXXXX
      S: 500 line too long
      C: NOOP
      S: 250 ok`);
    const long = events.find((e) => e.text === 'XXXXXXXXXX');
    if (long) long.cut = 19_990;
    const replies = SessionTracker.replay(events).lines.flatMap((l) => (l.reply ? [l.reply] : []));
    expect(replies.at(-2)).toMatchObject({ answers: 'XXXXXXXXXX', answersCut: 19_990 });
    expect(replies.at(-1)?.answersCut).toBeUndefined();
  });

  it('labels transitions with the verb and the actual code', () => {
    const tracker = SessionTracker.replay(wire(`${opening('STARTTLS')}
      C: STARTTLS
      S: 220 go ahead
      * tls
      C: MAIL FROM:<a@b.test>
      S: 421 shutting down`));
    expect(tracker.lines.flatMap((l) => (l.transition ? [l.transition] : []))).toEqual([
      { from: 'connecting', to: 'greeted', label: 'greeting → 220' },
      { from: 'greeted', to: 'ready', label: 'EHLO → 250' },
      { from: 'ready', to: 'tls', label: 'STARTTLS → 220' },
      { from: 'tls', to: 'greeted', label: 'TLS established' },
      { from: 'greeted', to: 'closed', label: 'MAIL → 421' },
    ]);
  });

  it('keeps the label of a junk line short, however long the line', () => {
    const junk = 'x'.repeat(20_000);
    const tracker = SessionTracker.replay(wire(`${opening('PIPELINING')}
      C: ${junk}
      S: 421 4.4.2 Error: Command line too long`));
    const last = tracker.lines.flatMap((l) => (l.transition ? [l.transition] : [])).at(-1);
    expect(last).toMatchObject({ from: 'ready', to: 'closed' });
    expect(last?.label).toBe(`${'X'.repeat(15)}… → 421`);
  });

  it('shows a line that is no reply without letting it answer anything', () => {
    const tracker = SessionTracker.replay(wire('S: 220 hi\nC: EHLO a.test\nS: hello there\nS: 250 hi'));
    expect(tracker.lines[2]?.reply).toEqual({ reply: { code: 0, enhanced: null, lines: ['hello there'] }, answers: null });
    expect(tracker.state).toBe('ready');
  });

  it('ignores connected and error, and anything after the close', () => {
    const tracker = SessionTracker.replay(wire('* connected\nS: 220 hi\n* error\n* closed\nS: 250 late\nC: NOOP'));
    expect(tracker.state).toBe('closed');
    expect(tracker.lines.map((l) => l.state)).toEqual(['connecting', 'greeted', 'greeted', 'closed', 'closed', 'closed']);
  });

  it('reaches the same states without keeping lines, as the bridge runs it', () => {
    const events = wire(`${opening('PIPELINING')}
      C: MAIL FROM:<a@b.test>
      S: 250 ok
      C: RCPT TO:<c@d.test>
      S: 250 ok
      C: DATA
      S: 354 go
      C: Subject: hi
      C:
      C: RSET
      C: .
      C: NOOP
      S: 250 queued
      S: 250 noop`);
    const full = SessionTracker.replay(events);
    const lean = new SessionTracker({ keepLines: false });
    const states = events.map((event) => lean.push(event).state);
    expect(states).toEqual(full.lines.map((line) => line.state));
    expect(lean.lines).toHaveLength(0);
    expect(lean.state).toBe('ready');
    expect(lean.context.lastDelivery?.accepted).toBe(true);
  });

  it('advances through the same states and reads each client line the same way as push', () => {
    const events = wire(`${opening('PIPELINING', 'AUTH PLAIN LOGIN')}
      C: AUTH LOGIN
      S: 334 VXNlcm5hbWU6
      C: bGVhcm5lcg==
      S: 334 UGFzc3dvcmQ6
      C: bGVhcm5lcg==
      S: 235 2.7.0 Authentication successful
      C: MAIL FROM:<a@b.test>
      C: RCPT TO:<c@d.test>
      C: DATA
      S: 250 ok
      S: 250 ok
      S: 354 go
      C: MAIL FROM:<not@a.command>
      C:
      C: .
      C: QUIT
      S: 250 queued
      S: 221 bye
      * closed`);
    const full = SessionTracker.replay(events);
    const lean = new SessionTracker({ keepLines: false });
    const seen = events.map((event) => ({ mode: lean.advance(event), state: lean.state }));
    expect(seen).toEqual(full.lines.map((line) => ({ mode: line.mode, state: line.state })));
    expect(seen.filter((line) => line.mode === 'auth')).toHaveLength(2);
    expect(seen.filter((line) => line.mode === 'data')).toHaveLength(3);
    expect(lean.state).toBe('closed');
  });
});

describe('SessionTracker reads lines as smtp-server does', () => {
  const transaction = `${opening('PIPELINING')}
      C: MAIL FROM:<a@b.test>
      S: 250 ok
      C: RCPT TO:<c@d.test>
      S: 250 ok
      C: DATA
      S: 354 go`;

  it('takes a "." after a bare LF as content: DATA ends only at CRLF "." CRLF', () => {
    const tracker = SessionTracker.replay(wire(`${transaction}
      L: first line
      C: .
      C: MAIL FROM:<x@y.test>
      C: .
      S: 250 queued`));
    const modes = tracker.lines.filter((l) => l.event.dir === 'client').slice(-3).map((l) => l.mode);
    expect(modes).toEqual(['data', 'data', 'data']);
    expect(tracker.state).toBe('ready');
    expect(tracker.context.lastDelivery?.accepted).toBe(true);
    // A "." that itself ends in a bare LF is content too.
    const bare = SessionTracker.replay(wire(`${transaction}\nC: text\nL: .\nC: QUIT\nC: .\nS: 250 queued`));
    expect(bare.lines.filter((l) => l.event.dir === 'client').slice(-4).map((l) => l.mode)).toEqual(['data', 'data', 'data', 'data']);
    expect(bare.state).toBe('ready');
  });

  it('ends DATA at a "." right after the 354, whatever ended the DATA line', () => {
    const tracker = SessionTracker.replay(wire(`${opening()}
      C: MAIL FROM:<a@b.test>
      S: 250 ok
      C: RCPT TO:<c@d.test>
      S: 250 ok
      L: DATA
      S: 354 go
      C: .
      S: 250 queued`));
    expect(tracker.context.lastDelivery?.accepted).toBe(true);
    expect(tracker.state).toBe('ready');
  });

  it('reads no chunk data after BDAT unless the server advertised CHUNKING', () => {
    const tracker = SessionTracker.replay(wire(`${opening('PIPELINING')}
      C: MAIL FROM:<a@b.test>
      S: 250 ok
      C: RCPT TO:<c@d.test>
      S: 250 ok
      C: BDAT 500
      S: 500 5.5.2 command not recognized
      C: RSET
      S: 250 ok`));
    const modes = tracker.lines.filter((l) => l.event.dir === 'client').map((l) => l.mode);
    expect(modes.at(-1)).toBe('command');
    expect(tracker.state).toBe('ready');
  });

  it('reads the next line as a command after a refused BDAT, even with CHUNKING', () => {
    const tracker = SessionTracker.replay(wire(`${opening('CHUNKING')}
      C: BDAT 500
      S: 503 5.5.1 MAIL first
      C: NOOP
      S: 250 ok`));
    expect(tracker.lines.filter((l) => l.event.dir === 'client').map((l) => l.mode).at(-1)).toBe('command');
    expect(tracker.context.bdatRemaining).toBe(0);
    expect(tracker.lines.at(-1)?.reply?.answers).toBe('NOOP');
  });

  it('settles pipelined AUTH lines by the replies: a 334 makes the next line a credential', () => {
    const plain = SessionTracker.replay(wire(`${opening('AUTH PLAIN LOGIN')}
      C: AUTH PLAIN
      C: AGxlYXJuZXIAbGVhcm5lcg==
      S: 334
      S: 235 2.7.0 ok
      C: MAIL FROM:<a@b.test>
      S: 250 ok`));
    expect(plain.context.authenticated).toBe(true);
    expect(plain.state).toBe('mail');
    const login = SessionTracker.replay(wire(`${opening('AUTH PLAIN LOGIN')}
      C: AUTH LOGIN
      C: bGVhcm5lcg==
      C: bGVhcm5lcg==
      C: MAIL FROM:<a@b.test>
      S: 334 VXNlcm5hbWU6
      S: 334 UGFzc3dvcmQ6
      S: 235 2.7.0 ok
      S: 250 ok`));
    expect(login.context.authenticated).toBe(true);
    expect(login.state).toBe('mail');
    // Refused at once: the line behind it was a command after all.
    const refused = SessionTracker.replay(wire(`${opening('AUTH PLAIN')}
      C: AUTH CRAM-MD5
      C: NOOP
      S: 504 5.5.4 unrecognized authentication type
      S: 250 ok`));
    expect(refused.state).toBe('ready');
    expect(refused.lines.at(-1)?.reply?.answers).toBe('NOOP');
  });
});
