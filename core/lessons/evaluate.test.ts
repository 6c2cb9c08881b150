import { describe, expect, it } from 'vitest';
import { SessionTracker } from '../machines/session-tracker';
import { opening, wire } from '../machines/test-wire';
import { holds } from './evaluate';
import type { Evidence, LessonMessage } from './evidence';
import { predicateSchema, type Predicate } from './predicates';

function evidence(script: string, messages: LessonMessage[] = []): Evidence {
  return { conversations: [{ id: 'c1', lines: SessionTracker.replay(wire(script)).lines }], messages };
}

const wrongThenRight = evidence(`${opening('PIPELINING')}
  C: RCPT TO:<alice@example.test>
  S: 503 5.5.1 Error: need MAIL command
  C: MAIL FROM:<learner@lab.test>
  S: 250 2.1.0 Accepted
  C: RCPT TO:<alice@example.test>
  S: 250 2.1.5 Accepted
  C: DATA
  S: 354 End data with <CR><LF>.<CR><LF>
  C: ..hidden
  C: .
  S: 250 2.6.0 Ok: queued as ABC
  C: QUIT
  S: 221 2.0.0 Bye
  * closed`);

const check = (predicate: Predicate, on: Evidence = wrongThenRight) => holds(predicateSchema.parse(predicate), on);

describe('goal predicates', () => {
  it('matches replies by code, class, enhanced code and the command they answer', () => {
    expect(check({ reply: { code: 220, answers: 'greeting' } })).toBe(true);
    expect(check({ reply: { code: 503, answers: 'RCPT' } })).toBe(true);
    expect(check({ reply: { code: 503, answers: 'MAIL' } })).toBe(false);
    expect(check({ reply: { code: '2xx', answers: '.', text: 'queued as' } })).toBe(true);
    expect(check({ reply: { enhanced: '2.1.5', command: 'alice@example\\.test' } })).toBe(true);
    expect(check({ reply: { code: 250, answers: 'EHLO', multiline: true } })).toBe(true);
  });

  it('reads message content as content: a body line "QUIT" is no command', () => {
    const body = evidence(`${opening()}
      C: MAIL FROM:<a@lab.test>
      S: 250 ok
      C: RCPT TO:<b@lab.test>
      S: 250 ok
      C: DATA
      S: 354 go
      C: QUIT`);
    expect(check({ command: { verb: 'QUIT' } }, body)).toBe(false);
    expect(check({ line: { dir: 'client', matches: '^QUIT$', mode: 'data' } }, body)).toBe(true);
  });

  it('orders things in one conversation with sequence', () => {
    expect(check({ sequence: [{ reply: { code: 503 } }, { reply: { code: 250, answers: '.' } }] })).toBe(true);
    expect(check({ sequence: [{ reply: { code: 250, answers: '.' } }, { reply: { code: 503 } }] })).toBe(false);
  });

  it('combines with all, any and not, and sees states and dot-stuffing', () => {
    expect(check({ all: [{ state: 'data' }, { state: 'closed' }] })).toBe(true);
    expect(check({ any: [{ state: 'auth' }, { tls: true }] })).toBe(false);
    expect(check({ not: { state: 'auth' } })).toBe(true);
    expect(check({ line: { dir: 'client', matches: '^\\.\\.', mode: 'data' } })).toBe(true);
  });

  it('tells the learner\'s conversations from the lab\'s relay hops', () => {
    const relay = evidence(`${opening('PIPELINING')}
      C: MAIL FROM:<a@lab.test>
      C: RCPT TO:<b@example.test>
      C: DATA
      S: 250 ok`);
    const asRelay: Evidence = { ...relay, conversations: relay.conversations.map((c) => ({ ...c, origin: 'relay' })) };
    expect(check({ pipelined: 3 }, asRelay)).toBe(true);
    expect(check({ mine: { pipelined: 3 } }, asRelay)).toBe(false);
    expect(check({ mine: { pipelined: 3 } }, relay)).toBe(true);
  });

  it('counts pipelined commands', () => {
    const pipelined = evidence(`${opening('PIPELINING')}
      C: MAIL FROM:<a@lab.test>
      C: RCPT TO:<b@lab.test>
      C: DATA
      S: 250 ok
      S: 250 ok
      S: 354 go`);
    expect(check({ pipelined: 3 }, pipelined)).toBe(true);
    expect(check({ pipelined: 3 })).toBe(false);
  });

  it('does not count a batch with EHLO before its last command (RFC 2920 §3.1)', () => {
    const ehloInside = evidence(`S: 220 lab.test ESMTP
      C: EHLO client.test
      C: MAIL FROM:<a@lab.test>
      C: RCPT TO:<b@lab.test>
      C: DATA
      S: 250-client.test
      S: 250 PIPELINING
      S: 250 ok
      S: 250 ok
      S: 354 go`);
    expect(check({ pipelined: 3 }, ehloInside)).toBe(false);
    expect(check({ pipelined: 2 }, ehloInside)).toBe(false);
    const ehloLast = evidence(`S: 220 lab.test ESMTP
      C: RSET
      C: EHLO client.test
      S: 250 ok
      S: 250 client.test`);
    expect(check({ pipelined: 2 }, ehloLast)).toBe(true);
  });

  it('knows the state a command was sent in', () => {
    const inside = evidence(`${opening()}
      C: MAIL FROM:<a@lab.test>
      S: 250 ok
      C: EHLO client.test
      S: 250 client.test
      C: RSET
      S: 250 ok`);
    expect(check({ command: { verb: 'EHLO', during: ['mail', 'rcpt'] } }, inside)).toBe(true);
    expect(check({ command: { verb: 'RSET', during: ['mail', 'rcpt'] } }, inside)).toBe(false);
    expect(check({ command: { verb: 'RSET', during: ['ready'] } }, inside)).toBe(true);
  });

  it('looks only at the lab\'s relay hops with hop', () => {
    const asRelay: Evidence = { ...wrongThenRight, conversations: wrongThenRight.conversations.map((c) => ({ ...c, origin: 'relay' })) };
    expect(check({ hop: { reply: { code: 250, answers: '.' } } })).toBe(false);
    expect(check({ hop: { reply: { code: 250, answers: '.' } } }, asRelay)).toBe(true);
  });

  it('looks into stored messages: envelope, headers, body', () => {
    const raw = 'Received: from x\r\n\tby smtp.lab.test\r\nFrom: learner@lab.test\r\nTo: alice@example.test\r\nSubject: Hi\r\n\r\n.hidden\r\n';
    const withMail = evidence(opening(), [{ id: 'm1', envelopeFrom: 'learner@lab.test', envelopeTo: ['alice@example.test', 'carol@example.test'], raw }]);
    expect(check({ message: { to: 'carol@example.test', header: { name: 'To', matches: 'alice' } } }, withMail)).toBe(true);
    expect(check({ message: { to: 'carol@example.test', header: { name: 'Date' } } }, withMail)).toBe(false);
    expect(check({ message: { to: 'ALICE@example.test', header: { name: 'received', matches: 'smtp\\.lab\\.test' } } }, withMail)).toBe(true);
    expect(check({ message: { body: '^\\.hidden$' } }, withMail)).toBe(true);
    expect(check({ noMessage: { to: 'nobody@example.test' } }, withMail)).toBe(true);
    expect(check({ message: { headerCount: { name: 'Received', atLeast: 2 } } }, withMail)).toBe(false);
    expect(check({ message: { mailbox: 'alice@example.test' } }, withMail)).toBe(false);
    const delivered = evidence(opening(), [{ id: 'm2', envelopeFrom: 'learner@lab.test', envelopeTo: ['alice@example.test'], mailbox: 'alice@example.test', raw }]);
    expect(check({ message: { mailbox: 'Alice@example.test' } }, delivered)).toBe(true);
  });

  it('looks into the MIME tree of a stored message: part types, encodings, and children only where the boundary splits', () => {
    const alternative = (boundary: string, delimiter: string) =>
      [
        'From: learner@lab.test',
        'MIME-Version: 1.0',
        `Content-Type: multipart/alternative; boundary="${boundary}"`,
        '',
        `${delimiter}`,
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Caf=C3=A9 — plain',
        `${delimiter}`,
        'Content-Type: text/html',
        '',
        '<p>Café</p>',
        `${delimiter}--`,
        '',
      ].join('\r\n');
    const mail = (raw: string) => evidence(opening(), [{ id: 'm', envelopeFrom: 'learner@lab.test', envelopeTo: ['bob@example.test'], mailbox: 'bob@example.test', raw }]);
    const split = mail(alternative('b1', '--b1'));
    expect(check({ message: { part: { type: '^multipart/alternative$', children: ['^text/plain$', '^text/html$'] } } }, split)).toBe(true);
    expect(check({ message: { part: { type: '^text/plain$', encoding: '^quoted-printable$' } } }, split)).toBe(true);
    expect(check({ message: { part: { type: '^text/html$', encoding: '^base64$' } } }, split)).toBe(false);
    expect(check({ message: { part: { type: '^multipart/alternative$', children: ['^text/html$', '^text/plain$'] } } }, split)).toBe(false);
    // The delimiter written without its two leading hyphens (RFC 2046 §5.1.1): nothing is split.
    const unsplit = mail(alternative('b1', 'b1'));
    expect(check({ message: { part: { type: '^multipart/alternative$' } } }, unsplit)).toBe(true);
    expect(check({ message: { part: { type: '^multipart/alternative$', children: ['^text/plain$', '^text/html$'] } } }, unsplit)).toBe(false);
  });

  it('refuses a predicate that is not one', () => {
    expect(predicateSchema.safeParse({ reply: { code: 250, colour: 'red' } }).success).toBe(false);
    expect(predicateSchema.safeParse({ line: { dir: 'client', matches: '(' } }).success).toBe(false);
    expect(predicateSchema.safeParse({ state: 'sleeping' }).success).toBe(false);
  });
});

describe('a line written before the reply recorded above it', () => {
  // A client pipelined RCPT past DATA; the tap records it once the 354 shows it was read as content.
  const events = wire(`${opening('PIPELINING')}
  C: MAIL FROM:<learner@lab.test>
  C: RCPT TO:<alice@example.test>
  C: DATA
  S: 250 2.1.0 Accepted
  S: 250 2.1.5 Accepted
  S: 354 End data with <CR><LF>.<CR><LF>
  C: RCPT TO:<bob@example.test>`);
  const at = (text: string) => events.findIndex((event) => event.text === text);
  const pipelinedPast = events.map((event, index) => (index === at('RCPT TO:<bob@example.test>') ? { ...event, at: at('DATA') } : event));
  const of = (list: typeof events): Evidence => ({ conversations: [{ id: 'c1', lines: SessionTracker.replay(list).lines }], messages: [] });
  const early = { line: { dir: 'client', matches: '^RCPT', mode: 'data', early: true } } as const;

  it('is told apart from a line typed after the reply', () => {
    expect(check(early, of(pipelinedPast))).toBe(true);
    expect(check(early, of(events))).toBe(false);
    expect(check({ line: { dir: 'client', matches: '^RCPT', mode: 'data', early: false } }, of(events))).toBe(true);
  });
});
