import { describe, expect, it } from 'vitest';
import type { FedEvent } from './session-tracker';
import { transactionSpan } from './transaction-span';

const c = (text: string): FedEvent => ({ dir: 'client', text });
const s = (text: string): FedEvent => ({ dir: 'server', text });

/** A session that carried two messages; the second's content holds a line that reads like MAIL FROM. */
const session: FedEvent[] = [
  s('220 mx.example.test ESMTP'),
  c('EHLO smtp.lab.test'),
  s('250 mx.example.test'),
  c('MAIL FROM:<a@lab.test>'),
  s('250 Accepted'),
  c('RCPT TO:<bob@example.test>'),
  s('250 Accepted'),
  c('DATA'),
  s('354 End data with <CR><LF>.<CR><LF>'),
  c('Subject: one'),
  c('.'),
  s('250 OK: queued as ONE'),
  c('MAIL FROM:<b@lab.test>'),
  s('250 Accepted'),
  c('RCPT TO:<bob@example.test>'),
  s('250 Accepted'),
  c('DATA'),
  s('354 End data with <CR><LF>.<CR><LF>'),
  c('MAIL FROM:<not-a-command@lab.test>'),
  c('.'),
  s('250 OK: queued as TWO'),
  c('QUIT'),
  s('221 Bye'),
];

const texts = (events: FedEvent[]) => events.map((e) => e.text);

describe('transactionSpan', () => {
  it('gives the first message the opening and its own transaction, up to the next MAIL FROM', () => {
    const span = texts(transactionSpan(session, 1, 2));
    expect(span[0]).toBe('220 mx.example.test ESMTP');
    expect(span.at(-1)).toBe('250 OK: queued as ONE');
    expect(span).not.toContain('MAIL FROM:<b@lab.test>');
  });

  it('gives a later message its MAIL FROM to the end, a MAIL FROM line inside its content not counted', () => {
    const span = texts(transactionSpan(session, 2));
    expect(span[0]).toBe('MAIL FROM:<b@lab.test>');
    expect(span).toContain('MAIL FROM:<not-a-command@lab.test>');
    expect(span.slice(-2)).toEqual(['QUIT', '221 Bye']);
  });

  it('is empty for a transaction the session never had', () => {
    expect(transactionSpan(session, 3)).toEqual([]);
  });
});
