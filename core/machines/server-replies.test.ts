import { describe, expect, it } from 'vitest';
import { checkReply } from '../smtp/reply-check';
import { replyChips } from './server-replies';
import { SessionTracker } from './session-tracker';

/** The server's view of a conversation so far: client and server lines in wire order. */
function session(...lines: Array<[dir: 'client' | 'server', text: string]>): SessionTracker {
  const tracker = new SessionTracker({ keepLines: false, engine: 'stepper' });
  for (const [dir, text] of lines) tracker.advance({ dir, text });
  return tracker;
}
const labels = (tracker: SessionTracker) => replyChips(tracker.state, tracker.context).map((c) => c.label);

describe('reply chips for the server seat', () => {
  it('offers the answers to the command the client waits on, read from the session machine', () => {
    expect(labels(session())).toContain('Greet (220)');
    expect(labels(session(['server', '220 hi'], ['client', 'EHLO app.lab.test']))).toContain('Offer STARTTLS');
    expect(labels(session(['server', '220 hi'], ['client', 'EHLO a'], ['server', '250 ok'], ['client', 'MAIL FROM:<a@b>']))).toContain('Sender OK (250)');
    const rcpt = session(['server', '220 hi'], ['client', 'EHLO a'], ['server', '250 ok'], ['client', 'MAIL FROM:<a@b>'], ['server', '250 ok'], ['client', 'RCPT TO:<b@you.test>']);
    expect(labels(rcpt)).toEqual(expect.arrayContaining(['Recipient OK (250)', 'No such user (550)', 'Mailbox busy, try later (450)']));
    const data = session(['server', '220 hi'], ['client', 'EHLO a'], ['server', '250 ok'], ['client', 'MAIL FROM:<a@b>'], ['server', '250 ok'], ['client', 'RCPT TO:<b@c>'], ['server', '250 ok'], ['client', 'DATA'], ['server', '354 go'], ['client', 'Subject: x'], ['client', '.']);
    expect(labels(data)).toContain('Accept the message (250)');
    expect(labels(session(['server', '220 hi'], ['client', 'QUIT']))).toEqual(['Goodbye (221)']);
  });

  it('answers the oldest command of a pipelined batch first', () => {
    const batch = session(['server', '220 hi'], ['client', 'EHLO a'], ['server', '250 ok'], ['client', 'MAIL FROM:<a@b>'], ['client', 'RCPT TO:<b@c>'], ['client', 'DATA']);
    expect(labels(batch)[0]).toBe('Sender OK (250)');
  });

  it('offers AUTH once the session is inside TLS, and nothing once it is closed', () => {
    const tracker = session(['server', '220 hi'], ['client', 'EHLO a'], ['server', '250-hi'], ['server', '250 STARTTLS'], ['client', 'STARTTLS'], ['server', '220 go']);
    tracker.advance({ dir: 'info', info: 'tls', text: '' });
    tracker.advance({ dir: 'client', text: 'EHLO a' });
    expect(labels(tracker)).toContain('Offer AUTH');
    expect(labels(tracker)).not.toContain('Offer STARTTLS');
    const closed = session(['server', '220 hi'], ['client', 'QUIT'], ['server', '221 bye']);
    closed.advance({ dir: 'info', info: 'closed', text: '' });
    expect(replyChips(closed.state, closed.context)).toEqual([]);
  });

  it('suggests only replies that pass the check before sending', () => {
    const states = [
      session(),
      session(['server', '220 hi'], ['client', 'EHLO a']),
      session(['server', '220 hi'], ['client', 'FOO']),
      session(['server', '220 hi'], ['client', 'AUTH LOGIN']),
    ];
    for (const tracker of states) {
      for (const chip of replyChips(tracker.state, tracker.context)) expect(checkReply(chip.lines), chip.label).toMatchObject({ ok: true });
    }
  });
});
