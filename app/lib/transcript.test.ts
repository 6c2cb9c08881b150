import { describe, expect, it } from 'vitest';
import { SessionTracker } from '../../core/machines/session-tracker';
import { opening, wire } from '../../core/machines/test-wire';
import { explainReply } from '../../core/smtp/reply-catalog';
import { chosenExtension, replyMark } from './transcript';

const lines = (script: string) => SessionTracker.replay(wire(script)).lines;

describe('replyMark', () => {
  const tracked = lines(`${opening('SIZE 1000')}
    C: MAIL FROM:<a@lab.test>
    S: 250 2.1.0 Ok
    C: RCPT TO:<full@example.test>
    S: 452 4.2.2 Mailbox full
    C: RCPT TO:<nobody@example.test>
    S: 550 5.1.1 No such user
    C: DATA
    S: 354 Go ahead`);
  const markOf = (text: string) => {
    const line = tracked.find((l) => l.event.text === text);
    if (!line) throw new Error(`no line ${text}`);
    return replyMark(line);
  };

  it('marks a refusal with a sign and words, temporary and permanent apart', () => {
    expect(markOf('452 4.2.2 Mailbox full')).toEqual({ kind: 'temporary', sign: '!', label: 'temporary error' });
    expect(markOf('550 5.1.1 No such user')).toEqual({ kind: 'permanent', sign: '✗', label: 'permanent error' });
  });

  it('leaves successes, intermediate replies and client lines unmarked', () => {
    expect(markOf('250 2.1.0 Ok')).toBeNull();
    expect(markOf('354 Go ahead')).toBeNull();
    expect(markOf('RCPT TO:<nobody@example.test>')).toBeNull();
  });
});

describe('chosenExtension', () => {
  const tracked = lines(`${opening('PIPELINING', 'SIZE 10485760', 'STARTTLS')}
    C: HELP
    S: 214-Commands:
    S: 214 SIZE is not a command`);
  const explained = (index: number) => {
    const end = tracked.findIndex((l, i) => i >= index && l.reply);
    const reply = tracked[end]?.reply;
    if (!reply) throw new Error('no reply');
    return chosenExtension(tracked, index, explainReply(reply.reply, reply.answers ?? undefined));
  };
  const at = (text: string) => tracked.findIndex((l) => l.event.text === text);

  it('explains the extension of the chosen EHLO line, not the first one of the reply', () => {
    expect(explained(at('250-SIZE 10485760'))).toMatchObject({ keyword: 'SIZE', args: '10485760', rfc: 'RFC 1870' });
    expect(explained(at('250 STARTTLS'))).toMatchObject({ keyword: 'STARTTLS' });
  });

  it('has nothing to single out on the server-name line or outside an EHLO reply', () => {
    expect(explained(at('250-client.test'))).toBeNull();
    expect(explained(at('214 SIZE is not a command'))).toBeNull();
  });
});
