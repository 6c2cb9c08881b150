/**
 * The message list (the bridge's header summary) and the message reader (the app) decode with the
 * same parser, so a learner sees the same subject and names in both.
 */
import { describe, expect, it } from 'vitest';
import { readRawMessage } from '../../app/lib/message-reading';
import { headerSummary } from '../../bridge/lab/message-headers';
import { brokenBoundary, crlf, decoded, encodedHeaders, nestedMessage } from '../support/mime-samples';

const samples: Record<string, Buffer> = {
  'encoded words, a group and two To fields': Buffer.from(crlf([...encodedHeaders, '', 'body'])),
  'nested multiparts with encoded file names': Buffer.from(crlf(nestedMessage)),
  'a broken boundary': Buffer.from(crlf(brokenBoundary)),
  'raw UTF-8 in the header': Buffer.from(crlf(['From: Jürgen <j@lab.test>', 'To: Zoë <z@example.test>', 'Subject: plain ü, no encoded word', '', 'body'])),
  'raw Latin-1 in the header': Buffer.from('Subject: na\xefve\r\nFrom: Ren\xe9 <r@lab.test>\r\n\r\nbody', 'latin1'),
  'an encoded word that does not decode': Buffer.from(crlf(['Subject: =?UTF-8?B?not*base64?= and =?x-unknown?Q?abc?=', '', 'body'])),
};

describe('the list and the reader agree', () => {
  for (const [name, raw] of Object.entries(samples)) {
    it(name, async () => {
      const summary = headerSummary(raw);
      const read = await readRawMessage(raw);
      expect({ subject: read.subject, from: read.from, to: read.to }).toEqual({ subject: summary.subject, from: summary.from, to: summary.to });
    });
  }

  it('both show the decoded subject and names, never the encoded words', () => {
    expect(headerSummary(Buffer.from(crlf(nestedMessage)))).toMatchObject({ subject: decoded.subject, from: decoded.from, to: decoded.to });
  });
});
