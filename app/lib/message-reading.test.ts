import { describe, expect, it } from 'vitest';
import { allParts } from '../../core/mail/mime';
import { brokenBoundary, bytesOf, crlf, decoded, encodedHeaders, nestedMessage } from '../../tests/support/mime-samples';
import { readRawMessage } from './message-reading';

const read = (lines: readonly string[], eol = '\r\n') => readRawMessage(bytesOf(lines, eol));
const fromLatin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

describe('the reader of an HTML message with attachments (mixed > alternative > related)', async () => {
  const message = await read(nestedMessage);

  it('shows Subject, From and To decoded from RFC 2047 Q and B encoded words', () => {
    expect(message).toMatchObject({ subject: decoded.subject, from: decoded.from, to: decoded.to });
  });

  it('unfolds a Received: field folded with tabs into one line with spaces', async () => {
    const received = await read(['Received: from smtp.lab.test ([192.0.2.10])', '\tby mx.example.test (SMTP Lab)', '\twith ESMTPS', '\tfor <bob@example.test>; Mon, 1 Jan 2024 10:00:00 +0000', '', 'hi']);
    expect(received.headers).toEqual([{ name: 'Received', value: 'from smtp.lab.test ([192.0.2.10]) by mx.example.test (SMTP Lab) with ESMTPS for <bob@example.test>; Mon, 1 Jan 2024 10:00:00 +0000' }]);
  });

  it('keeps the header fields as they were stored, for the Headers view', () => {
    expect(message.headers.find((h) => h.name === 'Subject')?.value).toMatch(/^=\?UTF-8\?Q\?Gr=C3=BC/);
    expect(message.date).toBe('Sun, 29 Nov 2026 13:14:15 +0100');
  });

  it('reads the plain text and the HTML of the alternative', () => {
    expect(message.text).toBe('Grüße');
    expect(message.html).toBe('<p>hi <img src="cid:logo"></p>');
  });

  it('lists the attachments by their decoded names, RFC 2231 and RFC 2047 alike, not the inline image', () => {
    expect(message.attachments).toEqual(decoded.attachments);
  });

  it('names the same parts in the MIME tree, by part number', () => {
    expect([...message.filenames]).toEqual([
      ['2', 'Grüße aus Köln.pdf'],
      ['3', 'äöü.csv'],
    ]);
    expect(allParts(message.mime).map((p) => p.type)).toEqual([
      'multipart/mixed',
      'multipart/alternative',
      'text/plain',
      'multipart/related',
      'text/html',
      'image/png',
      'application/pdf',
      'text/csv',
    ]);
    expect(message.problem).toBeNull();
  });

  it('reads bare LF line endings the same way', async () => {
    const lf = await read(nestedMessage, '\n');
    expect({ subject: lf.subject, text: lf.text, attachments: lf.attachments }).toEqual({ subject: message.subject, text: message.text, attachments: message.attachments });
  });
});

describe('bytes as they travelled', () => {
  it('reads an 8-bit Latin-1 body in its own charset, as only the raw bytes allow', async () => {
    const message = await readRawMessage(fromLatin1('Subject: na\xefve\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nna\xefve caf\xe9\r\n'));
    expect(message.text?.trim()).toBe('naïve café');
    expect(message.subject).toBe('naïve');
  });

  it('reads charsets beyond UTF-8 and Latin-1 (KOI8-R in base64)', async () => {
    const message = await read(['Content-Type: text/plain; charset=koi8-r', 'Content-Transfer-Encoding: base64', '', '8NLJ18XU']);
    expect(message.text?.trim()).toBe('Привет');
  });

  it('shows the raw source as text for the Raw view', async () => {
    expect((await read(['Subject: x', '', 'Grüße'])).source).toBe('Subject: x\r\n\r\nGrüße');
  });
});

describe('a broken boundary', () => {
  it('says why nothing of the body is shown, where the subject still reads', async () => {
    const message = await read(brokenBoundary);
    expect(message.subject).toBe('kaputt – broken');
    expect(message.text).toBeNull();
    expect(message.attachments).toEqual([]);
    expect(message.problem).toBe(
      'This message is multipart/mixed, but no line of its body is the boundary "--declared": no mail reader can split it into parts, so nothing of it is shown. The Raw tab has what arrived.',
    );
  });

  it('reads every part when only the close delimiter is missing', async () => {
    const message = await read(['Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: text/plain', '', 'one', '--b', "Content-Disposition: attachment; filename*=UTF-8''%C3%A9t%C3%A9.txt", '', 'summer']);
    expect(message).toMatchObject({ text: 'one', attachments: ['été.txt'], problem: null });
    expect([...message.filenames]).toEqual([['2', 'été.txt']]);
  });
});

describe('a message past the parser’s limits', () => {
  it('still shows its subject, and why its body is not shown', async () => {
    const lines = ['Subject: =?UTF-8?Q?tief_verschachtelt_=E2=80=94_deep?='];
    for (let depth = 0; depth < 300; depth++) lines.push(`Content-Type: multipart/mixed; boundary=b${depth}`, '', `--b${depth}`);
    const message = await read(lines);
    expect(message.subject).toBe('tief verschachtelt — deep');
    expect(message.text).toBeNull();
    expect(message.problem).toMatch(/^The MIME parser could not read this message's body \(.*nesting depth.*\)\. The Raw tab has what arrived\.$/i);
  });
});

describe('a bounce (multipart/report)', () => {
  const bounce = crlf([
    'From: MAILER-DAEMON@mx.lab.test',
    'Subject: Undelivered Mail Returned to Sender',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="r"',
    '',
    '--r',
    'Content-Type: text/plain',
    '',
    'Your message could not be delivered to nobody@example.test.',
    '--r',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.lab.test',
    '',
    'Final-Recipient: rfc822; nobody@example.test',
    'Action: failed',
    'Status: 5.1.1',
    '--r',
    'Content-Type: message/rfc822',
    '',
    ...encodedHeaders,
    '',
    'the original',
    '--r--',
  ]);

  it('shows the human note as text, the delivery status as the report, and lists no attachment', async () => {
    const message = await readRawMessage(new TextEncoder().encode(bounce));
    expect(message.text).toBe('Your message could not be delivered to nobody@example.test.');
    expect(message.report).toMatch(/^Reporting-MTA: dns; mx.lab.test\r\n\r\nFinal-Recipient: rfc822; nobody@example.test\r\nAction: failed\r\nStatus: 5.1.1/);
    expect(message.attachments).toEqual([]);
    expect(allParts(message.mime).map((p) => p.type)).toEqual(['multipart/report', 'text/plain', 'message/delivery-status', 'message/rfc822', 'text/plain']);
  });
});
