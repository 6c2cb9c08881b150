/**
 * The Received: chain read hop by hop (RFC 5321 §4.4). Every server that takes responsibility for
 * a message puts one on top, so the newest is first and the oldest at the bottom; read upwards,
 * it is the path the mail took: who handed it to whom, when, with which protocol and TLS.
 */
import type { HeaderField } from './header-fields';

export interface ReceivedHop {
  /** 1 for the oldest (bottom) header. */
  number: number;
  raw: string;
  /** The name the sending side gave in EHLO, and its address as the receiver saw it. */
  from: string | null;
  by: string | null;
  /** "ESMTPSA" etc., as RFC 3848 registers them. */
  protocol: string | null;
  tls: string | null;
  id: string | null;
  for: string | null;
  date: string | null;
  /** The protocol in words: S means TLS, A means the client logged in (AUTH). */
  protocolWords: string | null;
}

const PROTOCOLS: Record<string, string> = {
  SMTP: 'plain SMTP (HELO), no encryption',
  ESMTP: 'ESMTP (EHLO), no encryption, no login',
  ESMTPA: 'ESMTP with a login (AUTH), no encryption',
  ESMTPS: 'ESMTP over TLS, no login',
  ESMTPSA: 'ESMTP over TLS with a login (AUTH)',
  LMTP: 'LMTP (local delivery)',
};

function clause(value: string, word: string): string | null {
  const match = new RegExp(`(?:^|\\s)${word}\\s+(.+?)(?=\\s+(?:from|by|via|with|id|for)\\s|;|$)`, 'i').exec(value);
  return match?.[1]?.trim() ?? null;
}

export function receivedChain(headers: readonly HeaderField[]): ReceivedHop[] {
  const received = headers.filter((h) => h.name.toLowerCase() === 'received');
  return received.map((header, index) => {
    const value = header.value;
    const semicolon = value.lastIndexOf(';');
    const main = semicolon === -1 ? value : value.slice(0, semicolon);
    const withClause = clause(main, 'with');
    const protocol = withClause?.split(/\s|\(/)[0] ?? null;
    const tls = /\(([^)]*(?:TLS|cipher)[^)]*)\)/i.exec(withClause ?? '')?.[1] ?? null;
    return {
      number: received.length - index,
      raw: value,
      from: clause(main, 'from'),
      by: clause(main, 'by'),
      protocol,
      tls,
      id: clause(main, 'id'),
      for: clause(main, 'for'),
      date: semicolon === -1 ? null : value.slice(semicolon + 1).trim(),
      protocolWords: protocol ? (PROTOCOLS[protocol.toUpperCase()] ?? null) : null,
    };
  });
}
