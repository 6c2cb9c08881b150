import { describe, expect, it } from 'vitest';
import { SessionTracker } from './session-tracker';
import type { SessionContext, SessionStateName } from './session-model';
import { opening, wire } from './test-wire';

interface Case {
  name: string;
  script: string;
  state: SessionStateName;
  context?: Partial<SessionContext>;
}

const EHLO = opening('PIPELINING', 'SIZE 10485760', 'STARTTLS', 'AUTH PLAIN LOGIN', 'CHUNKING');
const ENVELOPE = `${EHLO}
  C: MAIL FROM:<ann@client.test>
  S: 250 2.1.0 Ok
  C: RCPT TO:<bob@lab.test>
  S: 250 2.1.5 Ok`;

const cases: Case[] = [
  { name: 'greeting 220 → greeted', script: 'S: 220 lab.test ESMTP', state: 'greeted' },
  { name: 'greeting 554 → refused', script: 'S: 554 go away', state: 'refused' },
  { name: 'greeting 421 → closed', script: 'S: 421 busy', state: 'closed' },
  { name: 'refused: QUIT is all that works', script: 'S: 554 no\nC: EHLO a.test\nS: 503 no\nC: QUIT\nS: 221 bye', state: 'closed' },
  {
    name: 'EHLO stores the extensions, keywords upper-cased',
    script: opening('pipelining', 'SIZE 10485760', 'starttls'),
    state: 'ready',
    context: { esmtp: true, clientDomain: 'client.test', extensions: ['PIPELINING', 'SIZE 10485760', 'STARTTLS'] },
  },
  { name: 'a failed EHLO keeps greeted', script: 'S: 220 hi\nC: EHLO\nS: 501 syntax', state: 'greeted', context: { esmtp: false } },
  {
    name: 'HELO → ready without extensions',
    script: 'S: 220 hi\nC: HELO old.test\nS: 250 hello',
    state: 'ready',
    context: { esmtp: false, extensions: [], clientDomain: 'old.test' },
  },
  {
    name: 'pipelining: four commands before any reply, answered in order',
    script: `${EHLO}
      C: MAIL FROM:<ann@client.test>
      C: RCPT TO:<bob@lab.test>
      C: RCPT TO:<cy@lab.test>
      C: DATA
      S: 250 ok
      S: 250 ok
      S: 250 ok`,
    state: 'rcpt',
    context: { commandsBeforeReply: 4, recipients: ['bob@lab.test', 'cy@lab.test'], pending: [{ verb: 'DATA', line: 'DATA' }] },
  },
  {
    name: 'RSET clears the transaction; a following RCPT gets 503 and stays ready',
    script: `${ENVELOPE}\nC: RSET\nS: 250 ok\nC: RCPT TO:<x@lab.test>\nS: 503 need MAIL`,
    state: 'ready',
    context: { reversePath: null, recipients: [] },
  },
  {
    name: 'a second EHLO resets the transaction',
    script: `${ENVELOPE}\nC: EHLO again.test\nS: 250 hi`,
    state: 'ready',
    context: { reversePath: null, recipients: [], clientDomain: 'again.test', extensions: [] },
  },
  {
    name: 'STARTTLS: the handshake forgets EHLO and its extensions',
    script: `${EHLO}\nC: STARTTLS\nS: 220 go ahead\n* tls`,
    state: 'greeted',
    context: { tls: true, esmtp: false, extensions: [], clientDomain: null },
  },
  { name: 'STARTTLS 220 → tls', script: `${EHLO}\nC: STARTTLS\nS: 220 go ahead`, state: 'tls' },
  { name: 'a failed handshake closes', script: `${EHLO}\nC: STARTTLS\nS: 220 go\n* error\n* closed`, state: 'closed' },
  {
    name: 'MAIL before the new EHLO after TLS gets 503 and stays greeted',
    script: `${EHLO}\nC: STARTTLS\nS: 220 go\n* tls\nC: MAIL FROM:<a@b.test>\nS: 503 send EHLO first`,
    state: 'greeted',
    context: { reversePath: null },
  },
  { name: 'AUTH PLAIN with initial response → 235', script: `${EHLO}\nC: AUTH PLAIN AGFubgBzZWNyZXQ=\nS: 235 ok`, state: 'ready', context: { authenticated: true } },
  {
    name: 'AUTH LOGIN: 334, 334, 235',
    script: `${EHLO}\nC: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: YW5u\nS: 334 UGFzc3dvcmQ6\nC: c2VjcmV0\nS: 235 ok`,
    state: 'ready',
    context: { authenticated: true },
  },
  { name: 'AUTH LOGIN half-way stays in auth', script: `${EHLO}\nC: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: YW5u\nS: 334 UGFzc3dvcmQ6`, state: 'auth' },
  {
    name: 'AUTH 535 returns to ready, not authenticated',
    script: `${EHLO}\nC: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: YW5u\nS: 334 UGFzc3dvcmQ6\nC: d3Jvbmc=\nS: 535 5.7.8 bad`,
    state: 'ready',
    context: { authenticated: false },
  },
  { name: 'AUTH cancelled with * → 501 → ready', script: `${EHLO}\nC: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: *\nS: 501 cancelled`, state: 'ready' },
  { name: 'a refused AUTH stays ready', script: `${EHLO}\nC: AUTH CRAM-MD5\nS: 504 unrecognized`, state: 'ready' },
  {
    name: 'end of data 250 → ready, delivered, transaction reset',
    script: `${ENVELOPE}\nC: DATA\nS: 354 go\nC: Subject: hi\nC:\nC: hello\nC: .\nS: 250 2.0.0 queued`,
    state: 'ready',
    context: { reversePath: null, recipients: [], lastDelivery: { accepted: true, code: 250, text: '2.0.0 queued' } },
  },
  {
    name: 'end of data 554 → ready, not delivered, transaction reset',
    script: `${ENVELOPE}\nC: DATA\nS: 354 go\nC: spam\nC: .\nS: 554 5.7.1 rejected`,
    state: 'ready',
    context: { reversePath: null, recipients: [], lastDelivery: { accepted: false, code: 554, text: '5.7.1 rejected' } },
  },
  {
    name: 'command-like lines inside the body stay content',
    script: `${ENVELOPE}\nC: DATA\nS: 354 go\nC: QUIT\nC: RSET\nC: ..\nC: MAIL FROM:<x@y.test>`,
    state: 'data',
    context: { pending: [], recipients: ['bob@lab.test'] },
  },
  {
    name: 'commands pipelined after the "." are commands again',
    script: `${ENVELOPE}\nC: DATA\nS: 354 go\nC: hi\nC: .\nC: QUIT\nS: 250 queued\nS: 221 bye`,
    state: 'closed',
  },
  { name: 'RCPT before MAIL → 503 stays ready', script: `${EHLO}\nC: RCPT TO:<bob@lab.test>\nS: 503 need MAIL`, state: 'ready' },
  {
    name: 'DATA without recipients → 503 stays mail',
    script: `${EHLO}\nC: MAIL FROM:<>\nS: 250 ok\nC: DATA\nS: 503 need RCPT`,
    state: 'mail',
    context: { reversePath: '' },
  },
  { name: 'a refused RCPT stays mail', script: `${EHLO}\nC: MAIL FROM:<a@b.test>\nS: 250 ok\nC: RCPT TO:<no@x.test>\nS: 550 no such user`, state: 'mail', context: { recipients: [] } },
  { name: 'unknown command → 500 keeps the state', script: `${ENVELOPE}\nC: FROB\nS: 500 unrecognized`, state: 'rcpt' },
  {
    name: 'BDAT chunks: data lines are not commands; LAST 250 → ready',
    script: `${ENVELOPE}\nC: BDAT 12\nC: QUIT\nC: RSET\nS: 250 12 octets\nC: BDAT 7 LAST\nC: hello\nS: 250 queued`,
    state: 'ready',
    context: { pending: [], bdatRemaining: 0, recipients: [], lastDelivery: { accepted: true, code: 250, text: 'queued' } },
  },
  { name: 'BDAT 250 → bdat', script: `${ENVELOPE}\nC: BDAT 4\nC: hi\nS: 250 ok`, state: 'bdat', context: { pending: [] } },
  {
    name: 'a command pipelined in the same line as the chunk tail is still read',
    script: `${ENVELOPE}\nC: BDAT 2 LAST\nC: hiQUIT\nS: 250 queued\nS: 221 bye`,
    state: 'closed',
  },
  { name: 'QUIT 221 → closed', script: `${EHLO}\nC: QUIT\nS: 221 bye`, state: 'closed' },
  { name: '421 in mail → closed', script: `${EHLO}\nC: MAIL FROM:<a@b.test>\nS: 421 shutting down`, state: 'closed', context: { reversePath: null } },
  { name: '421 during data → closed', script: `${ENVELOPE}\nC: DATA\nS: 354 go\nS: 421 timeout`, state: 'closed' },
  { name: 'the connection dropping → closed', script: `${ENVELOPE}\n* closed`, state: 'closed' },
  { name: 'a reply with nothing pending is counted, state kept', script: `${EHLO}\nS: 250 what?`, state: 'ready', context: { unexpectedReplies: 1 } },
];

describe('session machine', () => {
  it.each(cases)('$name', ({ script, state, context }) => {
    const tracker = SessionTracker.replay(wire(script));
    expect(tracker.state).toBe(state);
    if (context) expect(tracker.context).toMatchObject(context);
  });

  it('multi-line replies only move the machine on their last line', () => {
    const tracker = SessionTracker.replay(wire(EHLO));
    const states = tracker.lines.map((l) => l.state);
    expect(states.slice(-3)).toEqual(['greeted', 'greeted', 'ready']);
    expect(tracker.lines.at(-2)?.reply).toBeUndefined();
  });
});
