import { describe, it, expect } from 'vitest';
import { explainCommand, explainVerb } from './explain-command';
import { KNOWN_VERBS } from './command';

function partMeaning(line: string, text: string, mode?: 'command' | 'data' | 'auth' | 'bdat'): string {
  const part = explainCommand(line, mode).parts.find((p) => p.text === text);
  if (!part) throw new Error(`no part "${text}"`);
  return part.meaning;
}

describe('explainCommand: commands', () => {
  it('explains each parameter of MAIL FROM', () => {
    const line = 'MAIL FROM:<alice@example.test> SIZE=2048 BODY=8BITMIME';
    const explained = explainCommand(line);
    expect(explained.verb).toBe('MAIL');
    expect(explained.parts.map((p) => p.text)).toEqual(['MAIL', 'FROM:<alice@example.test>', 'SIZE=2048', 'BODY=8BITMIME']);
    expect(partMeaning(line, 'FROM:<alice@example.test>')).toMatch(/reverse-path/);
    expect(partMeaning(line, 'SIZE=2048')).toMatch(/2048 octets/);
    expect(partMeaning(line, 'BODY=8BITMIME')).toMatch(/8-bit/);
    expect(explained.problem).toBeNull();
  });

  it('explains NOTIFY and ORCPT on RCPT TO', () => {
    const line = 'RCPT TO:<bob@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.test';
    expect(partMeaning(line, 'NOTIFY=SUCCESS,FAILURE')).toMatch(/when it is delivered or when it fails/);
    expect(partMeaning(line, 'ORCPT=rfc822;bob@example.test')).toMatch(/original recipient.*rfc822.*"bob@example.test"/);
    expect(explainCommand(line).problem).toBeNull();
  });

  it('flags parameter mistakes the server would refuse', () => {
    expect(explainCommand('RCPT TO:<bob@example.test> NOTIFY=NEVER,DELAY').problem).toMatch(/NEVER alone/);
    expect(explainCommand('MAIL FROM:<a@example.test> NOTIFY=NEVER').problem).toMatch(/belongs on RCPT TO/);
    expect(explainCommand('MAIL FROM:<a@example.test> BODY=9BIT').problem).toMatch(/7BIT, 8BITMIME or BINARYMIME/);
    expect(explainCommand('MAIL FROM:<a@example.test> COLOR=blue').problem).toMatch(/555/);
  });

  it('passes on the parser\'s problem', () => {
    expect(explainCommand('MAIL FROM:alice@example.test').problem).toMatch(/angle brackets/);
  });

  it('decodes the AUTH PLAIN initial response with visible NUL markers', () => {
    const explained = explainCommand('AUTH PLAIN AGxlYXJuZXIAbGVhcm5lcg==');
    expect(explained.decoded).toBe('␀learner␀learner');
    expect(partMeaning('AUTH PLAIN AGxlYXJuZXIAbGVhcm5lcg==', 'AGxlYXJuZXIAbGVhcm5lcg==')).toMatch(/not encryption/);
    expect(explained.problem).toBeNull();
  });

  it('flags an initial response that is not base64', () => {
    expect(explainCommand('AUTH PLAIN not*base64').problem).toMatch(/not valid base64/);
  });

  it('flags a command line over 512 octets', () => {
    const explained = explainCommand(`NOOP ${'x'.repeat(595)}`);
    expect(explained.problem).toMatch(/602 octets.*512.*§4\.5\.3\.1\.4/);
    expect(explainCommand(`NOOP ${'x'.repeat(505)}`).problem).toBeNull();
  });

  it('flags a local part over 64 octets', () => {
    expect(explainCommand(`RCPT TO:<${'a'.repeat(65)}@example.test>`).problem).toMatch(/64 octets/);
    expect(explainCommand(`RCPT TO:<${'a'.repeat(64)}@example.test>`).problem).toBeNull();
  });

  it('warns that an unknown verb will be refused', () => {
    expect(explainCommand('HELLO there').problem).toMatch(/500 or 502/);
  });

  it('explains an address literal after EHLO', () => {
    expect(partMeaning('EHLO [127.0.0.1]', '[127.0.0.1]')).toMatch(/address literal/);
  });

  it('flags arguments on commands that take none', () => {
    expect(explainCommand('DATA now').problem).toMatch(/no arguments/);
  });

  it('reads the size and LAST of BDAT', () => {
    expect(explainCommand('BDAT 86 LAST').parts.map((p) => p.text)).toEqual(['BDAT', '86', 'LAST']);
    expect(explainCommand('BDAT many').problem).toMatch(/size in octets/);
  });
});

describe('explainCommand: other modes', () => {
  it('warns that a data line starting with one "." loses it', () => {
    const explained = explainCommand('.hidden', 'data');
    expect(explained.verb).toBe('DATA-LINE');
    expect(explained.problem).toMatch(/store "hidden".*"\.\.hidden"/);
  });

  it('explains "." as the end of data and ".." as a stuffed dot, without warning', () => {
    expect(explainCommand('.', 'data').title).toBe('End of data');
    expect(explainCommand('..', 'data').meaning).toMatch(/a line holding just "\."/);
    expect(explainCommand('..', 'data').problem).toBeNull();
  });

  it('tells the header field apart from the blank line', () => {
    expect(explainCommand('Subject: Hello', 'data').title).toBe('Header field');
    expect(explainCommand('', 'data').meaning).toMatch(/ends the header section/);
  });

  it('flags a text line over 1000 octets', () => {
    expect(explainCommand('a'.repeat(999), 'data').problem).toMatch(/1001 octets/);
  });

  it('decodes an AUTH LOGIN answer and explains "*"', () => {
    expect(explainCommand('bGVhcm5lcg==', 'auth').decoded).toBe('learner');
    expect(explainCommand('*', 'auth').meaning).toMatch(/Cancels the login/);
  });

  it('counts the octets of BDAT chunk content', () => {
    expect(explainCommand('.hello', 'bdat').meaning).toMatch(/8 octets/);
    expect(explainCommand('.hello', 'bdat').problem).toBeNull();
  });
});

describe('explainVerb', () => {
  it('gives syntax for every known verb', () => {
    for (const verb of KNOWN_VERBS) expect(explainVerb(verb)?.syntax).toMatch(new RegExp(`^${verb}`));
  });

  it('is null for a verb it does not know', () => {
    expect(explainVerb('FOO')).toBeNull();
  });
});
