/**
 * The service extensions a server lists in its EHLO reply (RFC 5321 §4.1.1.1): one per line,
 * `keyword [params]`, after the first line, which carries the server's name.
 */

export interface ExtensionExplanation {
  keyword: string;
  /** Everything after the keyword, e.g. "PLAIN LOGIN" for AUTH. */
  args: string;
  meaning: string;
  rfc: string;
}

interface ExtensionInfo {
  meaning: string;
  rfc: string;
  /** Extra words built from the arguments, when they say something. */
  withArgs?: (args: string) => string;
}

const EXTENSIONS: Record<string, ExtensionInfo> = {
  PIPELINING: {
    meaning: 'You may send several commands without waiting for each reply; the replies come back in the same order.',
    rfc: 'RFC 2920',
  },
  '8BITMIME': {
    meaning: 'The message may contain 8-bit bytes (not only ASCII); say so with BODY=8BITMIME on MAIL FROM.',
    rfc: 'RFC 6152',
  },
  SMTPUTF8: {
    meaning: 'Addresses and header fields may use UTF-8 (international addresses); ask for it with SMTPUTF8 on MAIL FROM.',
    rfc: 'RFC 6531',
  },
  SIZE: {
    meaning: 'Messages have a size limit; you may declare your message size with SIZE=n on MAIL FROM.',
    rfc: 'RFC 1870',
    withArgs: (args) => {
      const size = Number(args);
      if (!/^\d+$/.test(args)) return '';
      return size === 0 ? ' This server states no fixed limit.' : ` The limit here is ${size} octets (about ${humanSize(size)}).`;
    },
  },
  ENHANCEDSTATUSCODES: {
    meaning: 'Replies carry an enhanced status code such as "5.1.1" after the three-digit code, with more detail.',
    rfc: 'RFC 2034',
  },
  STARTTLS: {
    meaning: 'You may switch this connection to TLS encryption with the STARTTLS command.',
    rfc: 'RFC 3207',
  },
  AUTH: {
    meaning: 'You may log in with the AUTH command, using one of the listed mechanisms.',
    rfc: 'RFC 4954',
    withArgs: (args) => (args ? ` Mechanisms offered: ${args.split(/\s+/).join(', ')}.` : ''),
  },
  DSN: {
    meaning: 'You may ask for delivery status notifications: NOTIFY and ORCPT on RCPT TO, RET and ENVID on MAIL FROM.',
    rfc: 'RFC 3461',
  },
  CHUNKING: {
    meaning: 'You may send the message in sized chunks with BDAT instead of DATA, with no dot-stuffing.',
    rfc: 'RFC 3030',
  },
  BINARYMIME: {
    meaning: 'The message may be raw binary (BODY=BINARYMIME on MAIL FROM); it must then be sent with BDAT.',
    rfc: 'RFC 3030',
  },
  REQUIRETLS: {
    meaning: 'You may mark a message with REQUIRETLS on MAIL FROM so it only travels over TLS at every hop.',
    rfc: 'RFC 8689',
  },
  HELP: {
    meaning: 'The server answers the HELP command with some help text.',
    rfc: 'RFC 5321 §4.1.1.8',
  },
  VRFY: {
    meaning: 'The server answers VRFY, which asks whether a user or mailbox exists.',
    rfc: 'RFC 5321 §3.5',
  },
  EXPN: {
    meaning: 'The server answers EXPN, which asks for the members of a mailing list.',
    rfc: 'RFC 5321 §3.5',
  },
  ETRN: {
    meaning: 'You may ask the server to start sending the mail it holds for a domain (remote queue starting).',
    rfc: 'RFC 1985',
  },
  DELIVERBY: {
    meaning: 'You may ask for the message to be delivered by a deadline with BY= on MAIL FROM.',
    rfc: 'RFC 2852',
  },
  'MT-PRIORITY': {
    meaning: 'You may give the message a priority with MT-PRIORITY= on MAIL FROM.',
    rfc: 'RFC 6710',
  },
  LIMITS: {
    meaning: 'The server announces its own limits, such as how many recipients it takes per transaction.',
    rfc: 'RFC 9422',
  },
};

function humanSize(octets: number): string {
  if (octets >= 1024 * 1024) return `${Math.round((octets / (1024 * 1024)) * 10) / 10} MiB`;
  if (octets >= 1024) return `${Math.round((octets / 1024) * 10) / 10} KiB`;
  return `${octets} octets`;
}

/** Explain one extension line of an EHLO reply, e.g. "SIZE 10485760" or "AUTH PLAIN LOGIN". */
export function explainExtension(line: string): ExtensionExplanation {
  const trimmed = line.trim();
  // "AUTH=PLAIN LOGIN" is an old, non-standard spelling some servers add for very old clients.
  const legacy = /^AUTH=/i.test(trimmed);
  const split = legacy ? 4 : trimmed.search(/\s/);
  const keyword = (split === -1 ? trimmed : trimmed.slice(0, split)).toUpperCase();
  const args = split === -1 ? '' : trimmed.slice(split + (legacy ? 1 : 0)).trim();
  const info = EXTENSIONS[keyword];
  if (!info) {
    return {
      keyword,
      args,
      meaning: keyword.startsWith('X')
        ? 'A private extension of this server (keywords starting with "X" are for local use).'
        : 'An extension this lab does not describe; a client simply ignores keywords it does not know.',
      rfc: keyword.startsWith('X') ? 'RFC 5321 §4.1.5' : 'RFC 5321 §4.1.1.1',
    };
  }
  const legacyNote = legacy ? ' (This "AUTH=" spelling is an old duplicate of the AUTH line, kept for very old clients.)' : '';
  return { keyword, args, meaning: info.meaning + (info.withArgs?.(args) ?? '') + legacyNote, rfc: info.rfc };
}

/** The extension lines of a 250 reply to EHLO: every line but the first (the server's name and greeting). */
export function explainEhloLines(lines: readonly string[]): ExtensionExplanation[] {
  return lines.slice(1).filter((line) => line.trim() !== '').map(explainExtension);
}
