import { describe, expect, it } from 'vitest';
import { headerValue } from './header-fields';
import { allParts, findPart, overview, parseMime } from './mime';

const crlf = (lines: string[]) => lines.join('\r\n');

const alternative = crlf([
  'From: alice@lab.test',
  'To: bob@example.test',
  'Subject: Lunch',
  'MIME-Version: 1.0',
  'Content-Type: multipart/alternative; boundary="alt-1"',
  '',
  'This is a multi-part message in MIME format.',
  '--alt-1',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Caf=C3=A9 at noon? A long line that the sender had to break with a soft=',
  ' line break.',
  '--alt-1',
  'Content-Type: text/html; charset=utf-8',
  'Content-Transfer-Encoding: base64',
  '',
  'PHA+Q2Fmw6kgYXQgPGI+bm9vbjwvYj4/PC9wPg==',
  '--alt-1--',
  '',
]);

describe('a multipart/alternative message', () => {
  const root = parseMime(alternative);

  it('is read as one multipart with a text and an HTML version, numbered as IMAP does', () => {
    expect(root.type).toBe('multipart/alternative');
    expect(allParts(root).map((p) => `${p.path || 'message'} ${p.type}`)).toEqual([
      'message multipart/alternative',
      '1 text/plain',
      '2 text/html',
    ]);
  });

  it('decodes quoted-printable text, soft line breaks and UTF-8 included', () => {
    expect(findPart(root, 'text/plain')?.text).toBe('Café at noon? A long line that the sender had to break with a soft line break.');
  });

  it('decodes the base64 HTML version', () => {
    expect(findPart(root, 'text/html')?.text).toBe('<p>Café at <b>noon</b>?</p>');
  });

  it('gives the quick look the plain text and no attachments', () => {
    const seen = overview(root);
    expect(headerValue(seen.headers, 'subject')).toBe('Lunch');
    expect(seen.text).toMatch(/^Café at noon\?/);
    expect(seen.attachments).toEqual([]);
  });
});

describe('attachments and messages the reader cannot split', () => {
  it('lists attachments by name and does not take an attached text file for the message text', () => {
    const root = parseMime(
      crlf([
        'Subject: Report',
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'Content-Type: text/plain; name="notes.txt"',
        'Content-Disposition: attachment; filename="notes.txt"',
        '',
        'not the body',
        '--b',
        'Content-Type: text/plain',
        '',
        'the body',
        '--b',
        'Content-Type: application/pdf',
        'Content-Disposition: attachment',
        'Content-Transfer-Encoding: base64',
        '',
        'JVBERi0=',
        '--b--',
      ]),
    );
    expect(overview(root)).toMatchObject({ text: 'the body', attachments: ['notes.txt', '(unnamed)'] });
    expect(findPart(root, 'text/plain')?.text).toBe('the body');
  });

  it('shows a multipart without a boundary as one part with no text, not as an error', () => {
    const root = parseMime('Content-Type: multipart/mixed\n\nwhatever');
    expect(root.children).toEqual([]);
    expect(overview(root).text).toBeNull();
  });

  it('treats a message without Content-Type as plain text', () => {
    expect(overview(parseMime('Subject: hi\n\nhello\n')).text).toBe('hello\n');
  });

  it('shows base64 that does not decode as it travelled', () => {
    expect(parseMime('Content-Transfer-Encoding: base64\n\n*not base64*').text).toBe('*not base64*');
  });

  it('reads Latin-1 text, and asks the host for charsets it does not know itself', () => {
    expect(parseMime('Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nna=EFve').text).toBe('naïve');
    const asked: string[] = [];
    parseMime('Content-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: base64\n\n0NLJ18XU', (bytes, charset) => {
      asked.push(`${charset} ${bytes.length}`);
      return '';
    });
    expect(asked).toEqual(['koi8-r 6']);
  });
});

describe('folded header fields', () => {
  it('are unfolded into one value, in the order they were stored', () => {
    const root = parseMime(
      crlf(['Received: from a.example.test', '\tby mx.lab.test;', '  Mon, 1 Jan 2024 10:00:00 +0000', 'Subject: a subject', '  that goes on', '', 'body']),
    );
    expect(root.headers).toEqual([
      { name: 'Received', value: 'from a.example.test by mx.lab.test; Mon, 1 Jan 2024 10:00:00 +0000' },
      { name: 'Subject', value: 'a subject that goes on' },
    ]);
  });
});
