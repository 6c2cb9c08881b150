/**
 * The trace header a server adds when it takes responsibility for a message (RFC 5321 §4.4).
 * "with" names the protocol as RFC 3848 registers it: ESMTP, plus S for TLS and A for AUTH.
 */
export interface ReceivedFields {
  /** The name the client gave in EHLO/HELO. */
  helo: string;
  remoteAddress: string;
  /** Our own name. */
  by: string;
  /** e.g. "ESMTPSA" (smtp-server's session.transmissionType). */
  protocol: string;
  /** The queue id, so the header, the 250 reply and the stored message all name the same thing. */
  id: string;
  /** The recipient, named only when there is exactly one (several would leak Bcc recipients). */
  recipient: string | null;
  tls: { protocol: string; cipher: string } | null;
  date: Date;
}

/** RFC 5322 date-time: "Sun, 29 Nov 2026 12:00:00 +0000". */
export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

function addressLiteral(address: string): string {
  const plain = address.replace(/^::ffff:/, '');
  return plain.includes(':') ? `[IPv6:${plain}]` : `[${plain}]`;
}

export function receivedHeader(fields: ReceivedFields): string {
  const parts = [
    `from ${fields.helo || 'unknown'} (${addressLiteral(fields.remoteAddress)})`,
    `by ${fields.by} (SMTP Lab)`,
    `with ${fields.protocol}${fields.tls ? ` (${fields.tls.protocol}, cipher ${fields.tls.cipher})` : ''}`,
    `id ${fields.id}`,
    ...(fields.recipient ? [`for <${fields.recipient}>`] : []),
  ];
  // Folded before each clause, as servers do, so no line nears the 78-character guideline.
  return `Received: ${parts.join('\r\n\t')};\r\n\t${rfc5322Date(fields.date)}\r\n`;
}
