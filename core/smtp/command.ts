/** Grammar of client command lines (RFC 5321 §4.1), with the ESMTP parameters of the extensions. */

export interface ParsedCommand {
  /** Upper-cased verb, e.g. "MAIL"; '' for an empty line. */
  verb: string;
  /** Everything after the verb and one space, as typed. */
  argument: string;
  /** For MAIL FROM / RCPT TO: the path between < and >, or null when the brackets are missing. */
  path: string | null;
  /** ESMTP parameters after the path (MAIL/RCPT) as typed key -> value ('' for a bare keyword). Keys upper-cased. */
  params: Record<string, string>;
  /** For EHLO/HELO: the domain or address literal the client gave. */
  domain: string | null;
  /** A short reason when the line does not follow the grammar (the server will likely answer 501/500). */
  problem: string | null;
}

/** The verbs RFC 5321 and the common extensions define. */
export const KNOWN_VERBS = [
  'EHLO', 'HELO', 'MAIL', 'RCPT', 'DATA', 'BDAT', 'RSET', 'NOOP', 'QUIT', 'VRFY', 'EXPN', 'HELP',
  'STARTTLS', 'AUTH',
] as const;
export type KnownVerb = (typeof KNOWN_VERBS)[number];

export function isKnownVerb(verb: string): verb is KnownVerb {
  return (KNOWN_VERBS as readonly string[]).includes(verb);
}

const PATH_PREFIX: Record<string, string> = { MAIL: 'FROM:', RCPT: 'TO:' };

export function parseCommand(line: string): ParsedCommand {
  const trimmed = line.replace(/^\s+/, '');
  const space = trimmed.indexOf(' ');
  const verb = (space === -1 ? trimmed : trimmed.slice(0, space)).toUpperCase();
  const argument = space === -1 ? '' : trimmed.slice(space + 1);
  const result: ParsedCommand = { verb, argument, path: null, params: {}, domain: null, problem: null };

  if (verb === 'EHLO' || verb === 'HELO') {
    const domain = argument.trim();
    result.domain = domain || null;
    if (!domain) result.problem = `${verb} needs the client's domain or address literal.`;
    return result;
  }

  const prefix = PATH_PREFIX[verb];
  if (prefix) {
    const rest = argument.replace(/^\s+/, '');
    if (rest.slice(0, prefix.length).toUpperCase() !== prefix) {
      result.problem = `${verb} must be followed by "${prefix}<address>".`;
      return result;
    }
    const afterColon = rest.slice(prefix.length).replace(/^\s+/, '');
    if (!afterColon.startsWith('<')) {
      result.problem = 'The address must be enclosed in angle brackets: <user@example.test>.';
      return result;
    }
    const close = afterColon.indexOf('>');
    if (close === -1) {
      result.problem = 'The closing ">" of the address is missing.';
      return result;
    }
    result.path = afterColon.slice(1, close);
    result.params = parseParams(afterColon.slice(close + 1));
    return result;
  }

  return result;
}

/** ESMTP parameters: space-separated `KEY=value` or `KEY`. */
export function parseParams(text: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const token of text.trim().split(/\s+/)) {
    if (!token) continue;
    const eq = token.indexOf('=');
    if (eq === -1) params[token.toUpperCase()] = '';
    else params[token.slice(0, eq).toUpperCase()] = token.slice(eq + 1);
  }
  return params;
}
