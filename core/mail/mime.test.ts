import { describe, expect, it } from 'vitest';
import { brokenBoundary, bytesOf as bytes, nestedMessage } from '../../tests/support/mime-samples';
import { allParts, MAX_MIME_DEPTH, mimeStructure, type MimePart } from './mime';

const outline = (root: MimePart) => allParts(root).map((p) => `${p.path || 'message'} ${p.type}${p.children.length ? '' : ` ${p.encoding} ${p.size}`}`);
const latin1 = (part: MimePart) => String.fromCharCode(...part.header);


describe('the structure of a message', () => {
  it('numbers nested parts as IMAP does, with each leaf’s encoding and body size as it travelled', () => {
    expect(outline(mimeStructure(bytes(nestedMessage)))).toEqual([
      'message multipart/mixed',
      '1 multipart/alternative',
      '1.1 text/plain quoted-printable 15',
      '1.2 multipart/related',
      '1.2.1 text/html 7bit 30',
      '1.2.2 image/png base64 12',
      '2 application/pdf base64 8',
      '3 text/csv 7bit 3',
    ]);
  });

  it('reads bare LF line endings the same way', () => {
    expect(outline(mimeStructure(bytes(nestedMessage, '\n')))).toEqual(outline(mimeStructure(bytes(nestedMessage))));
  });

  it('keeps each part’s header block raw, encoded file names included, for the parser to decode', () => {
    const pdf = allParts(mimeStructure(bytes(nestedMessage))).find((p) => p.type === 'application/pdf');
    expect(latin1(pdf!)).toBe(
      "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename*0*=UTF-8''Gr%C3%BC%C3%9Fe%20aus;\r\n filename*1*=%20K%C3%B6ln.pdf\r\nContent-Transfer-Encoding: base64",
    );
  });

  it('keeps 8-bit bytes as they are: sizes count bytes, not characters', () => {
    const root = mimeStructure(bytes(['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', 'Grüße']));
    expect(root).toMatchObject({ type: 'text/plain', encoding: '8bit', size: 7 });
  });

  it('treats a message without Content-Type as plain text and a part without header as plain text', () => {
    expect(mimeStructure(bytes(['Subject: hi', '', 'hello'])).type).toBe('text/plain');
    const root = mimeStructure(bytes(['Content-Type: multipart/mixed; boundary=b', '', '--b', '', 'no header', '--b--']));
    expect(outline(root)).toEqual(['message multipart/mixed', '1 text/plain 7bit 9']);
  });

  it('reads an attached message as a part with the message inside', () => {
    const root = mimeStructure(bytes(['Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: message/rfc822', '', 'Subject: inner', '', 'hi', '--b--']));
    expect(outline(root)).toEqual(['message multipart/mixed', '1 message/rfc822', '1.1 text/plain 7bit 2']);
  });
});

describe('a broken boundary', () => {
  it('marks a multipart whose boundary no line carries, and shows no parts for it', () => {
    const root = mimeStructure(bytes(brokenBoundary));
    expect(root).toMatchObject({ type: 'multipart/mixed', boundaryMissing: true, children: [] });
  });

  it('marks a multipart without any boundary parameter the same way', () => {
    expect(mimeStructure(bytes(['Content-Type: multipart/mixed', '', 'whatever']))).toMatchObject({ boundaryMissing: true, children: [] });
  });

  it('ends the last part at the end of the message when the close delimiter is missing', () => {
    const root = mimeStructure(bytes(['Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: text/plain', '', 'one', '--b', 'Content-Type: text/csv', '', 'a,b']));
    expect(root.boundaryMissing).toBe(false);
    expect(outline(root)).toEqual(['message multipart/mixed', '1 text/plain 7bit 3', '2 text/csv 7bit 3']);
  });

  it('does not take a line that only starts like the boundary for a delimiter', () => {
    const root = mimeStructure(bytes(['Content-Type: multipart/mixed; boundary=b', '', '--b', '', 'one', '--bb not a delimiter', '--b--']));
    expect(root.children).toHaveLength(1);
    expect(root.children[0]?.size).toBe('one\r\n--bb not a delimiter'.length);
  });

  it('stops nesting at a depth no real message needs', () => {
    const lines: string[] = [];
    for (let depth = 0; depth < MAX_MIME_DEPTH + 4; depth++) lines.push(`Content-Type: multipart/mixed; boundary=b${depth}`, '', `--b${depth}`);
    const deepest = allParts(mimeStructure(bytes(lines))).reduce((max, p) => Math.max(max, p.path.split('.').length), 0);
    expect(deepest).toBe(MAX_MIME_DEPTH);
  });
});
