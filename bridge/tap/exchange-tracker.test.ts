import { describe, expect, it } from 'vitest';
import { ExchangeTracker, type Exchange } from './exchange-tracker';

function answers(tracker: ExchangeTracker, lines: string[]): Array<[string, number]> {
  return lines
    .map((line) => tracker.serverLine(line))
    .filter((exchange): exchange is Exchange => exchange !== null)
    .map((exchange) => [exchange.verb, exchange.reply.code]);
}

describe('ExchangeTracker', () => {
  it('matches pipelined replies to commands in order, multi-line replies as one', () => {
    const tracker = new ExchangeTracker();
    expect(answers(tracker, ['220 hi'])).toEqual([['', 220]]);
    for (const line of ['EHLO a', 'MAIL FROM:<a@b>', 'RCPT TO:<c@d>']) tracker.clientLine(line);
    expect(answers(tracker, ['250-hello', '250 SIZE 1', '250 ok', '550 no'])).toEqual([
      ['EHLO', 250],
      ['MAIL', 250],
      ['RCPT', 550],
    ]);
  });

  it('treats message content as content, and the final dot as what 250 answers', () => {
    const tracker = new ExchangeTracker();
    for (const line of ['DATA', 'STARTTLS', 'QUIT', '.']) tracker.clientLine(line);
    expect(answers(tracker, ['220 hi', '354 go', '250 queued'])).toEqual([
      ['', 220],
      ['DATA', 354],
      ['.', 250],
    ]);
  });

  it('sees a 220 to STARTTLS behind earlier pipelined commands', () => {
    const tracker = new ExchangeTracker();
    tracker.serverLine('220 hi');
    tracker.clientLine('NOOP');
    tracker.clientLine('STARTTLS');
    const [noop, starttls] = ['250 ok', '220 go ahead'].map((line) => tracker.serverLine(line));
    expect(noop && ExchangeTracker.startsTls(noop)).toBe(false);
    expect(starttls && ExchangeTracker.startsTls(starttls)).toBe(true);
  });

  it('does not take the greeting for the reply to a command typed before it arrived', () => {
    const tracker = new ExchangeTracker();
    tracker.clientLine('STARTTLS');
    expect(answers(tracker, ['220 smtp.lab.test ESMTP'])).toEqual([['', 220]]);
    const starttls = tracker.serverLine('220 go ahead');
    expect(starttls && ExchangeTracker.startsTls(starttls)).toBe(true);
  });

  it('does not take a refused STARTTLS or a greeting for the start of TLS', () => {
    const tracker = new ExchangeTracker();
    const greeting = tracker.serverLine('220 hello');
    expect(greeting && ExchangeTracker.startsTls(greeting)).toBe(false);
    tracker.clientLine('STARTTLS');
    const refused = tracker.serverLine('454 not now');
    expect(refused && ExchangeTracker.startsTls(refused)).toBe(false);
  });

  it('counts an AUTH challenge answer as part of AUTH', () => {
    const tracker = new ExchangeTracker();
    tracker.serverLine('220 hi');
    tracker.clientLine('AUTH LOGIN');
    expect(answers(tracker, ['334 VXNlcm5hbWU6'])).toEqual([['AUTH', 334]]);
    tracker.clientLine('bGVhcm5lcg==');
    expect(answers(tracker, ['334 UGFzc3dvcmQ6'])).toEqual([['AUTH', 334]]);
    tracker.clientLine('bGVhcm5lcg==');
    tracker.clientLine('NOOP');
    expect(answers(tracker, ['235 ok', '250 ok'])).toEqual([
      ['AUTH', 235],
      ['NOOP', 250],
    ]);
  });
});
