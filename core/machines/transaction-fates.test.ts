import { describe, expect, it } from 'vitest';
import { opening, wire } from './test-wire';
import { KEPT_TRANSACTIONS, recipientFate, replyLine, TransactionLog, type WireTransaction } from './transaction-fates';

/** Each address's fate as "outcome: reply on one line", or null while undecided. */
function fates(transaction: WireTransaction | undefined, addresses: string[]): Record<string, string | null> {
  if (!transaction) throw new Error('no transaction on the wire');
  return Object.fromEntries(
    addresses.map((address) => {
      const fate = recipientFate(transaction, address);
      return [address, fate ? `${fate.outcome}: ${replyLine(fate.reply)}` : null];
    }),
  );
}

/** A transaction so far in which the server took the sender and every one of `to`, one command at a time. */
function taken(...to: string[]): string {
  return ['C: MAIL FROM:<a@lab.test>', 'S: 250 ok', ...to.flatMap((address) => [`C: RCPT TO:<${address}>`, 'S: 250 ok'])].join('\n');
}

const MIX = ['ann@example.test', 'nobody@example.test', 'greylist@example.test', 'full@example.test'];

describe('recipient fates from the wire', () => {
  it('gives each recipient the reply to its RCPT, and the taken ones the reply to the end of data', () => {
    const log = TransactionLog.replay(wire(`${opening('PIPELINING')}
      C: MAIL FROM:<learner@lab.test>
      C: RCPT TO:<ann@example.test>
      C: RCPT TO:<nobody@example.test>
      C: RCPT TO:<greylist@example.test> NOTIFY=FAILURE
      C: RCPT TO:<full@example.test>
      C: DATA
      S: 250 Accepted
      S: 250 Accepted
      S: 550 5.1.1 No such user here
      S: 451 4.7.1 Greylisted: please try again later
      S: 452 4.2.2 Mailbox full, try again later
      S: 354 End data with <CR><LF>.<CR><LF>
      C: Subject: hi
      C:
      C: 250 is not a reply here
      C: .
      S: 250 Ok: queued as ABC123`));
    expect(fates(log.transaction(0), MIX)).toEqual({
      'ann@example.test': 'delivered: 250 Ok: queued as ABC123',
      'nobody@example.test': 'failed: 550 5.1.1 No such user here',
      'greylist@example.test': 'deferred: 451 4.7.1 Greylisted: please try again later',
      'full@example.test': 'deferred: 452 4.2.2 Mailbox full, try again later',
    });
    expect(log.transaction(0)?.ended).toBe(true);
  });

  it('fails every recipient the server took when it refuses the message after the final dot', () => {
    const log = TransactionLog.replay(wire(`${opening()}
      C: MAIL FROM:<learner@lab.test>
      S: 250 Accepted
      C: RCPT TO:<ann@example.test>
      S: 250 Accepted
      C: RCPT TO:<bob@example.test>
      S: 250 Accepted
      C: RCPT TO:<full@example.test>
      S: 452 4.2.2 Mailbox full, try again later
      C: DATA
      S: 354 go ahead
      C: body
      C: .
      S: 550-5.7.1 Unauthenticated email from lab.test is not accepted
      S: 550 5.7.1 due to the domain's DMARC policy`));
    expect(fates(log.transaction(0), ['ann@example.test', 'bob@example.test', 'full@example.test'])).toEqual({
      'ann@example.test': "failed: 550 5.7.1 Unauthenticated email from lab.test is not accepted 5.7.1 due to the domain's DMARC policy",
      'bob@example.test': "failed: 550 5.7.1 Unauthenticated email from lab.test is not accepted 5.7.1 due to the domain's DMARC policy",
      'full@example.test': 'deferred: 452 4.2.2 Mailbox full, try again later',
    });
  });

  it('lets a refused sender decide for every recipient, not the 503s to RCPTs pipelined behind it', () => {
    const log = TransactionLog.replay(wire(`${opening('PIPELINING')}
      C: MAIL FROM:<jörg@lab.test>
      C: RCPT TO:<ann@example.test>
      C: DATA
      S: 553 5.6.7 Non-ASCII addresses need SMTPUTF8
      S: 503 5.5.1 Error: need MAIL command
      S: 503 5.5.1 Error: need MAIL command`));
    expect(fates(log.transaction(0), ['ann@example.test'])).toEqual({ 'ann@example.test': 'failed: 553 5.6.7 Non-ASCII addresses need SMTPUTF8' });
  });

  it('defers the taken recipients with a 421 and leaves them undecided when the connection just ends', () => {
    const closing = TransactionLog.replay(wire(`${opening()}
      ${taken('ann@example.test')}
      C: RCPT TO:<bob@example.test>
      S: 421 4.4.2 mx.example.test closing: timeout`));
    expect(fates(closing.transaction(0), ['ann@example.test', 'bob@example.test'])).toEqual({
      'ann@example.test': 'deferred: 421 4.4.2 mx.example.test closing: timeout',
      'bob@example.test': 'deferred: 421 4.4.2 mx.example.test closing: timeout',
    });
    const dropped = TransactionLog.replay(wire(`${opening()}
      ${taken('ann@example.test')}
      C: RCPT TO:<nobody@example.test>
      S: 550 5.1.1 No such user here
      C: DATA
      S: 354 go ahead
      C: body
      * closed`));
    expect(fates(dropped.transaction(0), ['ann@example.test', 'nobody@example.test'])).toEqual({
      'ann@example.test': null,
      'nobody@example.test': 'failed: 550 5.1.1 No such user here',
    });
    expect(dropped.transaction(0)?.ended).toBe(true);
    expect(dropped.readiness).toBe('unusable');
  });

  it('takes a refused DATA as the answer for every recipient it took', () => {
    const log = TransactionLog.replay(wire(`${opening()}
      ${taken('ann@example.test')}
      C: DATA
      S: 554 5.5.1 No valid recipients`));
    expect(fates(log.transaction(0), ['ann@example.test'])).toEqual({ 'ann@example.test': 'failed: 554 5.5.1 No valid recipients' });
  });

  it('reads the last BDAT chunk as the end of the message', () => {
    const log = TransactionLog.replay(wire(`${opening('CHUNKING')}
      ${taken('ann@example.test')}
      C: BDAT 4 LAST
      C: hi!
      S: 250 2.0.0 queued as Z9`));
    expect(fates(log.transaction(0), ['ann@example.test'])).toEqual({ 'ann@example.test': 'delivered: 250 2.0.0 queued as Z9' });
  });

  it('keeps the transactions of one session apart, after RSET too', () => {
    const log = TransactionLog.replay(wire(`${opening('PIPELINING')}
      C: MAIL FROM:<a@lab.test>
      C: RCPT TO:<ann@example.test>
      C: DATA
      S: 250 ok
      S: 250 ok
      S: 354 go ahead
      C: one
      C: .
      S: 451 4.3.0 Temporary local problem, try again later
      C: RSET
      S: 250 Flushed
      C: MAIL FROM:<a@lab.test>
      C: RCPT TO:<ann@example.test>
      C: DATA
      S: 250 ok
      S: 250 ok
      S: 354 go ahead
      C: two
      C: .
      S: 250 Ok: queued as B2
      C: MAIL FROM:<a@lab.test>
      S: 250 ok
      C: RCPT TO:<ann@example.test>`));
    expect(log.started).toBe(3);
    expect(fates(log.transaction(0), ['ann@example.test'])).toEqual({ 'ann@example.test': 'deferred: 451 4.3.0 Temporary local problem, try again later' });
    expect(fates(log.transaction(1), ['ann@example.test'])).toEqual({ 'ann@example.test': 'delivered: 250 Ok: queued as B2' });
    // The third still waits for the reply to its RCPT.
    expect(fates(log.transaction(2), ['ann@example.test'])).toEqual({ 'ann@example.test': null });
    expect(log.transaction(2)?.ended).toBe(false);
    expect(log.readiness).toBe('unusable');
  });

  it('says what the next message on the session needs: nothing, an RSET, or a new session', () => {
    const log = new TransactionLog();
    const feed = (script: string) => {
      for (const event of wire(script)) log.push(event);
    };
    feed(`${opening()}
      C: MAIL FROM:<a@lab.test>
      S: 250 ok
      C: RCPT TO:<nobody@example.test>`);
    expect(log.readiness).toBe('unusable');
    feed('S: 550 5.1.1 No such user here');
    expect(log.readiness).toBe('reset');
    expect(log.lastAnswer).toMatchObject({ verb: 'RCPT', reply: { code: 550, enhanced: '5.1.1' } });
    feed(`C: RSET
      S: 250 Flushed`);
    expect(log.readiness).toBe('ready');
    feed(`C: QUIT
      S: 221 Bye
      * closed`);
    expect(log.readiness).toBe('unusable');
  });

  it('forgets the oldest transactions of a long session', () => {
    const one = `${taken('ann@example.test')}
      C: DATA
      S: 354 go ahead
      C: .
      S: 250 queued`;
    const log = TransactionLog.replay(wire([opening(), ...Array.from({ length: KEPT_TRANSACTIONS + 2 }, () => one)].join('\n')));
    expect(log.started).toBe(KEPT_TRANSACTIONS + 2);
    expect(log.transaction(0)).toBeUndefined();
    expect(log.transaction(KEPT_TRANSACTIONS + 1)?.final?.text).toBe('queued');
  });
});
