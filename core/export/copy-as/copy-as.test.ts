import { describe, expect, it } from 'vitest';
import { wire } from '../../machines/test-wire';
import { copyAs, planOf } from './index';

// "\0learner\0learner": the lab account, as AUTH PLAIN carries it.
const PLAIN = 'AGxlYXJuZXIAbGVhcm5lcg==';
const TARGET = { host: '127.0.0.1', port: 2525, implicitTls: false };

const TWO_TRANSACTIONS = wire(`
  * connected
  S: 220 smtp.lab.test ESMTP
  C: EHLO client.example
  S: 250-smtp.lab.test
  S: 250-STARTTLS
  S: 250 SIZE 1000000
  C: STARTTLS
  S: 220 Ready
  * tls
  C: EHLO client.example
  S: 250-smtp.lab.test
  S: 250-AUTH PLAIN LOGIN
  S: 250 SIZE 1000000
  C: AUTH PLAIN ${PLAIN}
  S: 235 ok
  C: MAIL FROM:<alice@example.test> SIZE=100
  S: 250 ok
  C: RCPT TO:<bob@lab.test>
  S: 250 ok
  C: RCPT TO:<carol@lab.test>
  S: 250 ok
  C: DATA
  S: 354 go ahead
  C: Subject: dots
  C:
  C: ..a line that began with a dot
  C: .
  S: 250 queued as A1
  C: RSET
  S: 250 flushed
  C: MAIL FROM:<>
  S: 250 ok
  C: RCPT TO:<dave@lab.test>
  S: 250 ok
  C: DATA
  S: 354 go ahead
  C: second
  C: .
  S: 250 queued as A2
  C: NOOP
  S: 250 ok
  C: QUIT
  S: 221 bye
  * closed`);

describe('reading a conversation for "copy as"', () => {
  it('groups the lines as the session tracker read them, with the dots undone and the credentials decoded', () => {
    const plan = planOf(TWO_TRANSACTIONS);
    expect(plan.steps.map((s) => s.kind)).toEqual([
      'hello', 'starttls', 'hello', 'auth', 'mail', 'rcpt', 'rcpt', 'data', 'rset', 'mail', 'rcpt', 'data', 'noop', 'quit',
    ]);
    const data = plan.steps[7]!;
    expect(data.kind === 'data' && data.content).toEqual(['Subject: dots', '', '.a line that began with a dot']);
    expect(data.kind === 'data' && data.wire.at(-1)).toBe('.');
    const auth = plan.steps[3]!;
    expect(auth.kind === 'auth' && auth.credentials).toEqual({ authzid: '', user: 'learner', pass: 'learner' });
    const mail = plan.steps[4]!;
    expect(mail.kind === 'mail' && mail.params).toEqual([['SIZE', '100']]);
  });

  it('decodes AUTH LOGIN answered after each 334', () => {
    const plan = planOf(wire(`
      S: 220 hi
      C: EHLO c
      S: 250 AUTH LOGIN
      C: AUTH LOGIN
      S: 334 VXNlcm5hbWU6
      C: bGVhcm5lcg==
      S: 334 UGFzc3dvcmQ6
      C: c2VjcmV0
      S: 235 ok`));
    const auth = plan.steps[1]!;
    expect(auth.kind === 'auth' && auth).toMatchObject({ mechanism: 'LOGIN', initial: false, credentials: { user: 'learner', pass: 'secret' } });
  });
});

describe('copy as', () => {
  const out = copyAs(TWO_TRANSACTIONS, TARGET, 'c7');

  it('writes a Python script with every step, the message unstuffed for smtplib to stuff again', () => {
    const py = out.python.text;
    expect(py).toContain('s = smtplib.SMTP("127.0.0.1", 2525)');
    expect(py).toContain('s.ehlo("client.example")\ns.starttls()'.replace('\ns.starttls()', '\n# The lab signs its certificate with its own CA; smtplib does not check it by default.\ns.starttls()'));
    expect(py).toContain('s.user, s.password = "learner", "learner"');
    expect(py).toContain('s.auth("PLAIN", s.auth_plain)');
    expect(py).toContain('s.mail("alice@example.test", ["SIZE=100"])');
    expect(py).toContain('    ".a line that began with a dot\\r\\n"');
    expect(py).not.toContain('..a line');
    expect(py).toContain('s.rset()');
    expect(py).toContain('s.mail("")');
    expect(py).toContain('s.noop()');
    expect(py.trim().endsWith('s.quit()')).toBe(true);
    expect(out.python.notes).toEqual([]);
  });

  it('gives openssl the command with the EHLO name and the lines to type after TLS, as on the wire', () => {
    expect(out.openssl.command).toBe('openssl s_client -starttls smtp -name client.example -connect 127.0.0.1:2525 -crlf -quiet');
    expect(out.openssl.typed).toEqual([
      'EHLO client.example', `AUTH PLAIN ${PLAIN}`, 'MAIL FROM:<alice@example.test> SIZE=100', 'RCPT TO:<bob@lab.test>', 'RCPT TO:<carol@lab.test>',
      'DATA', 'Subject: dots', '', '..a line that began with a dot', '.', 'RSET', 'MAIL FROM:<>', 'RCPT TO:<dave@lab.test>', 'DATA', 'second', '.', 'NOOP', 'QUIT',
    ]);
    expect(out.openssl.text).toContain('lab account learner / learner');
    expect(out.openssl.notes).toEqual([]);
  });

  it('gives swaks the first transaction and says what it cannot repeat', () => {
    expect(out.swaks.command).toBe(
      "swaks --server 127.0.0.1 --port 2525 --ehlo client.example --tls --auth PLAIN --auth-user learner --auth-password learner --from alice@example.test --to bob@lab.test,carol@lab.test --data - <<'SMTP_LAB_MESSAGE'",
    );
    expect(out.swaks.text).toContain('\n.a line that began with a dot\n.\nSMTP_LAB_MESSAGE\n');
    expect(out.swaks.notes.join('\n')).toMatch(/parameters/);
    expect(out.swaks.notes.join('\n')).toMatch(/2 transactions/);
    expect(out.swaks.notes.join('\n')).toMatch(/RSET/);
    expect(out.swaks.notes.join('\n')).toMatch(/NOOP/);
  });

  it('gives nodemailer both messages on one connection with RSET between, and names what it leaves out', () => {
    const js = out.nodemailer.text;
    expect(js).toContain("require('nodemailer/lib/smtp-connection')");
    expect(js).toContain('name: "client.example"');
    expect(js).not.toContain('ignoreTLS');
    expect(js).toContain('connection.login({ user: "learner", pass: "learner", method: "PLAIN" }');
    expect(js).toContain('connection.send({ from: "alice@example.test", to: ["bob@lab.test", "carol@lab.test"], size: 100 }, message1');
    expect(js).toContain('    ".a line that began with a dot",');
    expect(js).toContain('connection.reset(done)');
    expect(js).toContain('connection.send({ from: "", to: ["dave@lab.test"] }, message2');
    expect(js).toContain('connection.quit()');
    expect(out.nodemailer.notes).toEqual([expect.stringMatching(/^NOOP .*no call for it/)]);
  });

  it('keeps a plain conversation plain, and says what is missing from a cut line', () => {
    const events = wire(`
      S: 220 hi
      C: HELO old.example
      S: 250 ok
      C: MAIL FROM:<a@example.test>
      S: 250 ok`);
    events[3] = { ...events[3]!, cut: 20 };
    const plain = copyAs(events, TARGET, 'c8');
    expect(plain.nodemailer.text).toContain('ignoreTLS: true');
    expect(plain.nodemailer.notes.join('\n')).toMatch(/HELO/);
    expect(plain.swaks.command).toContain('--protocol SMTP');
    expect(plain.openssl.notes.join('\n')).toMatch(/never started TLS/);
    expect(plain.python.text).toContain('s.helo("old.example")');
    expect(plain.python.text).toContain('s.close()');
    for (const output of Object.values(plain)) expect(output.notes[0]).toMatch(/recorded only in part \(20 bytes/);
  });

  it('uses implicit TLS for the 465 role', () => {
    const smtps = copyAs(TWO_TRANSACTIONS.slice(0, 6), { ...TARGET, implicitTls: true }, 'c9');
    expect(smtps.python.text).toContain('smtplib.SMTP_SSL("127.0.0.1", 2525, context=ssl._create_unverified_context())');
    expect(smtps.swaks.command).toContain('--tls-on-connect');
    expect(smtps.openssl.command).toBe('openssl s_client -connect 127.0.0.1:2525 -crlf -quiet');
    expect(smtps.nodemailer.text).toContain('secure: true');
  });
});
