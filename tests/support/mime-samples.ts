/**
 * Messages that MIME readers get wrong, shared by the tests of the structure walker, the message
 * reader, the bridge's list summary and the browser: each is what a real sender writes.
 */

export const crlf = (lines: readonly string[]): string => lines.join('\r\n');
export const bytesOf = (lines: readonly string[], eol = '\r\n'): Uint8Array => new TextEncoder().encode(lines.join(eol));

const b64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

/** Subject in RFC 2047 Q then B encoded words, a display name in Q, a group and a second To field. */
export const encodedHeaders = [
  'From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@lab.test>',
  `To: =?UTF-8?B?${b64('Zoë')}?= <zoe@example.test>, Team: a@example.test, b@example.test;`,
  'To: =?ISO-8859-1?Q?J=F6rg?= <jorg@example.test>',
  `Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_dem_Labor?= =?UTF-8?B?${b64(' ✉ Köln')}?=`,
  'Date: Sun, 29 Nov 2026 13:14:15 +0100',
  'MIME-Version: 1.0',
];

/** mixed > (alternative > (plain, related > (html, inline image)), two attachments with encoded names). */
export const nestedMessage = [
  ...encodedHeaders,
  'Content-Type: multipart/mixed; boundary="mixed"',
  '',
  'preamble, which no reader shows',
  '--mixed',
  'Content-Type: multipart/alternative; boundary=alt',
  '',
  '--alt',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Gr=C3=BC=C3=9Fe',
  '--alt',
  'Content-Type: multipart/related; boundary=rel',
  '',
  '--rel',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>hi <img src="cid:logo"></p>',
  '--rel',
  'Content-Type: image/png',
  'Content-ID: <logo>',
  'Content-Transfer-Encoding: base64',
  '',
  'iVBORw0KGgo=',
  '--rel--',
  '--alt--  ',
  '--mixed',
  'Content-Type: application/pdf',
  // RFC 2231: charset, percent-encoding, and a name continued over two parameters.
  "Content-Disposition: attachment; filename*0*=UTF-8''Gr%C3%BC%C3%9Fe%20aus;",
  " filename*1*=%20K%C3%B6ln.pdf",
  'Content-Transfer-Encoding: base64',
  '',
  'JVBERi0=',
  '--mixed',
  // What many mail programs send instead: an RFC 2047 encoded word inside the quotes.
  'Content-Type: text/csv; name="=?UTF-8?B?w6TDtsO8LmNzdg==?="',
  'Content-Disposition: attachment; filename="=?UTF-8?B?w6TDtsO8LmNzdg==?="',
  '',
  'a,b',
  '--mixed--',
  'epilogue',
];

/** The decoded forms every reader of the lab must show for the messages above. */
export const decoded = {
  subject: 'Grüße aus dem Labor ✉ Köln',
  from: 'Jürgen Müller <juergen@lab.test>',
  to: ['Zoë <zoe@example.test>', 'a@example.test', 'b@example.test', 'Jörg <jorg@example.test>'],
  attachments: ['Grüße aus Köln.pdf', 'äöü.csv'],
};

/** A multipart whose declared boundary appears nowhere in its body. */
export const brokenBoundary = [
  'Subject: =?UTF-8?Q?kaputt_=E2=80=93_broken?=',
  'Content-Type: multipart/mixed; boundary="declared"',
  '',
  '--other',
  'Content-Type: text/plain',
  '',
  'hello',
  '--other--',
];
