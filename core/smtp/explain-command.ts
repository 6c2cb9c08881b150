/**
 * Explains a line the client sends: a command (RFC 5321 §4.1), a line of message content,
 * a base64 answer during AUTH, or raw BDAT chunk content. Every piece of a command is explained.
 */

import { parseCommand, isKnownVerb, type ParsedCommand } from './command';
import { explainVerb } from './verbs';
import { explainParams } from './esmtp-params';
import { explainDataLine } from './data-line';
import { decodeAuthResponse, explainMechanism } from './auth-explain';
import { MAX_COMMAND_LINE, MAX_LOCAL_PART, MAX_DOMAIN, MAX_PATH, CRLF_OCTETS, utf8Length } from './limits';

export { explainVerb, type VerbInfo } from './verbs';

export type LineMode = 'command' | 'data' | 'auth' | 'bdat';

export interface CommandExplanation {
  /** Upper-case verb, or 'DATA-LINE' / 'AUTH-RESPONSE' / 'BDAT-CHUNK' outside command mode. */
  verb: string;
  title: string;
  meaning: string;
  rfc: string;
  /** Each piece explained: the verb, the path, every ESMTP parameter, the EHLO domain, the AUTH mechanism. */
  parts: Array<{ text: string; meaning: string }>;
  /** Why the server will likely refuse the line, or a warning about what it will do with it; null when fine. */
  problem: string | null;
  /** AUTH responses decoded (AUTH PLAIN as "authzid␀user␀password"), else null. */
  decoded: string | null;
}

type Part = CommandExplanation['parts'][number];

/** Explain one line the client sends; `mode` says what the session expects (a command by default). */
export function explainCommand(line: string, mode: LineMode = 'command'): CommandExplanation {
  switch (mode) {
    case 'data': {
      const data = explainDataLine(line);
      return { verb: 'DATA-LINE', ...data, decoded: null };
    }
    case 'auth': {
      const response = decodeAuthResponse(line, false);
      return {
        verb: 'AUTH-RESPONSE',
        title: line.trim() === '*' ? 'Cancel the login' : 'Answer to the login challenge',
        meaning: `A base64 answer to the server's 334 challenge. ${response.meaning}`,
        rfc: 'RFC 4954 §4',
        parts: [{ text: line, meaning: response.meaning }],
        problem: response.problem,
        decoded: response.decoded,
      };
    }
    case 'bdat': {
      const octets = utf8Length(line) + CRLF_OCTETS;
      const meaning = `Raw chunk content: ${octets} octets counting the CRLF. The server counts octets and does not look for "." or remove dots.`;
      return { verb: 'BDAT-CHUNK', title: 'Chunk content', meaning, rfc: 'RFC 3030 §2', parts: [{ text: line, meaning }], problem: null, decoded: null };
    }
    case 'command':
      return explainCommandLine(line);
  }
}

function explainCommandLine(line: string): CommandExplanation {
  const parsed = parseCommand(line);
  const info = explainVerb(parsed.verb);
  if (!info) {
    const problem = parsed.verb === ''
      ? 'An empty line is not a command; the server will answer 500.'
      : `${parsed.verb} is not an SMTP command this lab knows. The server will answer 500 or 502.`;
    return {
      verb: parsed.verb, title: 'Unknown command', meaning: 'Not a command of RFC 5321 or its common extensions.',
      rfc: 'RFC 5321 §4.2.4', parts: [{ text: line, meaning: problem }], problem: tooLong(line, parsed.verb) ?? problem, decoded: null,
    };
  }

  const verbText = line.trimStart().split(' ', 1)[0] ?? parsed.verb;
  const detail = explainArgument(parsed);
  const problems = [tooLong(line, parsed.verb), parsed.problem, ...detail.problems];
  return {
    verb: parsed.verb,
    title: info.title,
    meaning: info.meaning,
    rfc: info.rfc,
    parts: [{ text: verbText, meaning: info.meaning }, ...detail.parts],
    problem: problems.find((p): p is string => p !== null) ?? null,
    decoded: detail.decoded,
  };
}

function tooLong(line: string, verb: string): string | null {
  const octets = utf8Length(line) + CRLF_OCTETS;
  if (octets <= MAX_COMMAND_LINE) return null;
  const raised = verb === 'MAIL' || verb === 'RCPT' ? ' (servers that announce SIZE, DSN or AUTH allow a little more for their parameters)' : '';
  return `This line is ${octets} octets with its CRLF; a command line may be ${MAX_COMMAND_LINE} (RFC 5321 §4.5.3.1.4)${raised}. The server will likely answer 500.`;
}

interface ArgumentDetail {
  parts: Part[];
  problems: Array<string | null>;
  decoded: string | null;
}

const NO_ARGUMENTS = new Set(['DATA', 'RSET', 'QUIT', 'STARTTLS']);

function explainArgument(parsed: ParsedCommand): ArgumentDetail {
  const { verb, argument } = parsed;
  const none: ArgumentDetail = { parts: [], problems: [], decoded: null };
  if (!isKnownVerb(verb)) return none;
  if (NO_ARGUMENTS.has(verb)) {
    return argument.trim()
      ? { parts: [{ text: argument, meaning: 'Not expected here.' }], problems: [`${verb} takes no arguments; the server will answer 501.`], decoded: null }
      : none;
  }
  switch (verb) {
    case 'EHLO':
    case 'HELO':
      return parsed.domain ? { parts: [explainDomain(parsed.domain)], problems: [], decoded: null } : none;
    case 'MAIL':
    case 'RCPT':
      return explainPathAndParams(parsed, verb);
    case 'AUTH':
      return explainAuth(argument);
    case 'BDAT':
      return explainBdat(argument);
    default:
      // NOOP, VRFY, EXPN, HELP take free text.
      return argument ? { parts: [{ text: argument, meaning: argumentWords(verb) }], problems: [], decoded: null } : none;
  }
}

function argumentWords(verb: string): string {
  if (verb === 'VRFY') return 'The user name or address to check.';
  if (verb === 'EXPN') return 'The mailing list to expand.';
  if (verb === 'HELP') return 'The topic (usually a command) to get help on.';
  return 'Free text; the server ignores it.';
}

function explainDomain(domain: string): Part {
  if (domain.startsWith('[')) {
    return { text: domain, meaning: "An address literal: the client's IP address in brackets, used when it has no domain name (RFC 5321 §4.1.3)." };
  }
  return { text: domain, meaning: "The client's own domain name. The server may note it in a Received: line, but rarely refuses it (RFC 5321 §4.1.1.1)." };
}

function explainPathAndParams(parsed: ParsedCommand, verb: 'MAIL' | 'RCPT'): ArgumentDetail {
  if (parsed.path === null) return { parts: [], problems: [], decoded: null };
  const prefix = verb === 'MAIL' ? 'FROM:' : 'TO:';
  const path = parsed.path;
  let meaning: string;
  if (verb === 'MAIL') {
    meaning = path === ''
      ? 'The null reverse-path <>: no failure report will ever be sent back. Bounce messages themselves use it (RFC 5321 §4.5.5).'
      : `The reverse-path (envelope sender) ${path}: where failure reports go. It may differ from the From: header the reader sees (RFC 5321 §4.1.1.2).`;
  } else {
    meaning = path.toLowerCase() === 'postmaster'
      ? 'The postmaster of this server; every server must accept it without a domain (RFC 5321 §4.1.1.3).'
      : `The forward-path (envelope recipient) ${path}: one mailbox to deliver to. It may differ from the To: header (RFC 5321 §4.1.1.3).`;
  }
  const close = parsed.argument.indexOf('>');
  const params = explainParams(parsed.argument.slice(close + 1), verb);
  return {
    parts: [{ text: `${prefix}<${path}>`, meaning }, ...params.map(({ text, meaning: m }) => ({ text, meaning: m }))],
    problems: [pathProblem(path, verb), ...params.map((p) => p.problem)],
    decoded: null,
  };
}

/** The size limits of RFC 5321 §4.5.3.1.1–3, and the empty forward-path. */
function pathProblem(path: string, verb: 'MAIL' | 'RCPT'): string | null {
  if (path === '') return verb === 'RCPT' ? 'RCPT TO needs a recipient; <> is only allowed on MAIL FROM. Expect 501 or 553.' : null;
  const at = path.lastIndexOf('@');
  const local = at === -1 ? path : path.slice(0, at);
  const domain = at === -1 ? '' : path.slice(at + 1);
  if (utf8Length(local) > MAX_LOCAL_PART) return `The part before "@" is longer than ${MAX_LOCAL_PART} octets (RFC 5321 §4.5.3.1.1).`;
  if (utf8Length(domain) > MAX_DOMAIN) return `The domain is longer than ${MAX_DOMAIN} octets (RFC 5321 §4.5.3.1.2).`;
  if (utf8Length(path) + 2 > MAX_PATH) return `The path with its brackets is longer than ${MAX_PATH} octets (RFC 5321 §4.5.3.1.3).`;
  return null;
}

function explainAuth(argument: string): ArgumentDetail {
  const [mechanism = '', initial, ...extra] = argument.trim().split(/\s+/);
  if (!mechanism) return { parts: [], problems: ['AUTH needs a mechanism, e.g. AUTH PLAIN; the server will answer 501.'], decoded: null };
  const mech = explainMechanism(mechanism);
  const parts: Part[] = [{ text: mechanism, meaning: `${mech.meaning} (${mech.rfc})` }];
  const problems: Array<string | null> = extra.length ? ['AUTH takes a mechanism and at most one initial response.'] : [];
  if (initial === undefined) return { parts, problems, decoded: null };
  const response = decodeAuthResponse(initial, true);
  parts.push({ text: initial, meaning: `The initial response, sent with the command to save a round trip. ${response.meaning}` });
  problems.push(response.problem);
  return { parts, problems, decoded: response.decoded };
}

function explainBdat(argument: string): ArgumentDetail {
  const match = /^(\d+)(?:\s+(LAST))?\s*$/i.exec(argument.trim());
  if (!match) return { parts: [], problems: ['BDAT needs a size in octets, optionally followed by LAST, e.g. BDAT 86 LAST (RFC 3030 §2).'], decoded: null };
  const [, size = '0', last] = match;
  const parts: Part[] = [{ text: size, meaning: `Exactly ${size} octets of message follow this line, counting every CRLF.` }];
  if (last) parts.push({ text: last, meaning: 'This is the final chunk: the message is complete after it.' });
  return { parts, problems: [], decoded: null };
}
