/**
 * What a client did in a recorded conversation, step by step, as the session tracker read it:
 * the input every "copy as" generator turns into a command or a script. The tracker decides what
 * each line was (a command, message content, an AUTH response); this only groups its reading.
 */
import { SessionTracker } from '../../machines/session-tracker';
import { decodeBase64 } from '../../smtp/base64';
import { parseCommand } from '../../smtp/command';
import type { WireEvent } from '../../wire';

export interface Credentials {
  /** The authorization identity of AUTH PLAIN ('' when the client acts as itself). */
  authzid: string;
  user: string;
  pass: string;
}

/** MAIL FROM or RCPT TO: the path between the brackets and the ESMTP parameters after it. */
export interface EnvelopeStep {
  kind: 'mail' | 'rcpt';
  path: string;
  params: Array<[string, string]>;
  line: string;
}

export type Step =
  | { kind: 'hello'; verb: 'EHLO' | 'HELO'; domain: string; line: string }
  | { kind: 'starttls'; line: string }
  /** `initial`: the credentials went on the AUTH line itself (RFC 4954 initial response). */
  | { kind: 'auth'; mechanism: string; initial: boolean; credentials: Credentials | null; responses: string[]; line: string }
  | EnvelopeStep
  /**
   * DATA and what followed it. `content`: the message as the server stored it (dot-stuffing
   * undone), or null when the server refused DATA; `wire`: its lines as sent, "." included.
   */
  | { kind: 'data'; content: string[] | null; wire: string[]; line: string }
  | { kind: 'rset' | 'noop' | 'quit'; line: string }
  /** Anything else a client sent (VRFY, HELP, BDAT, a typo): tools replay it as typed, or cannot. */
  | { kind: 'other'; verb: string; argument: string; line: string };

export interface SessionPlan {
  steps: Step[];
  /** The conversation began inside TLS (port 465, implicit TLS). */
  implicitTls: boolean;
  /** A line was cut by the tap or a credential hidden: the plan cannot repeat it exactly. */
  incomplete: string[];
}

/** Undo the client's dot-stuffing (RFC 5321 §4.5.2): the server removes one leading dot. */
export function unstuff(line: string): string {
  return line.startsWith('.') ? line.slice(1) : line;
}

function credentialsOf(mechanism: string, responses: readonly string[]): Credentials | null {
  const decoded = responses.map((r) => decodeBase64(r.trim()));
  if (mechanism === 'PLAIN') {
    const fields = decoded[0]?.split('\u0000');
    return fields?.length === 3 ? { authzid: fields[0]!, user: fields[1]!, pass: fields[2]! } : null;
  }
  if (mechanism === 'LOGIN' && decoded[0] != null && decoded[1] != null) return { authzid: '', user: decoded[0], pass: decoded[1] };
  return null;
}

/** Read the client's side of a conversation, line by line as the session tracker reads it. */
export function planOf(events: readonly WireEvent[]): SessionPlan {
  const tracker = new SessionTracker({ keepLines: false });
  const steps: Step[] = [];
  const incomplete: string[] = [];
  let implicitTls: boolean | null = null;
  let data: Extract<Step, { kind: 'data' }> | null = null;
  let auth: Extract<Step, { kind: 'auth' }> | null = null;

  const finishAuth = () => {
    if (auth) auth.credentials = credentialsOf(auth.mechanism, auth.responses);
    auth = null;
  };

  for (const event of events) {
    if (event.info === 'record') continue;
    if (implicitTls === null && event.dir !== 'info') implicitTls = event.tls;
    const line = tracker.push(event);
    if (event.dir !== 'client') continue;
    if (event.cut) incomplete.push(`a line the lab recorded only in part (${event.cut} bytes left out)`);
    if (event.redacted) incomplete.push('a credential that is not a lab account (the lab does not keep it)');
    const mode = line.mode;
    if (mode === 'data') {
      // The first content line turns a refused-looking DATA into one with content.
      if (!data) continue;
      data.wire.push(event.text);
      if (event.text === '.' && !event.bareLf) data = null;
      else (data.content ??= []).push(unstuff(event.text));
      continue;
    }
    if (mode === 'auth') {
      if (auth) auth.responses.push(event.text);
      continue;
    }
    if (mode === 'bdat') {
      steps.push({ kind: 'other', verb: 'BDAT-CHUNK', argument: event.text, line: event.text });
      continue;
    }
    finishAuth();
    data = null;
    const command = parseCommand(event.text);
    const text = event.text;
    switch (command.verb) {
      case 'EHLO':
      case 'HELO':
        steps.push({ kind: 'hello', verb: command.verb, domain: command.domain ?? '', line: text });
        break;
      case 'STARTTLS':
        steps.push({ kind: 'starttls', line: text });
        break;
      case 'AUTH': {
        const [mechanism = '', initial] = command.argument.trim().split(/\s+/);
        auth = { kind: 'auth', mechanism: mechanism.toUpperCase(), initial: initial !== undefined, credentials: null, responses: initial === undefined ? [] : [initial], line: text };
        steps.push(auth);
        break;
      }
      case 'MAIL':
      case 'RCPT':
        if (command.path === null) steps.push({ kind: 'other', verb: command.verb, argument: command.argument, line: text });
        else steps.push({ kind: command.verb === 'MAIL' ? 'mail' : 'rcpt', path: command.path, params: paramsAsTyped(command.argument), line: text });
        break;
      case 'DATA':
        data = { kind: 'data', content: null, wire: [], line: text };
        steps.push(data);
        break;
      case 'RSET':
      case 'NOOP':
      case 'QUIT':
        steps.push({ kind: command.verb === 'RSET' ? 'rset' : command.verb === 'NOOP' ? 'noop' : 'quit', line: text });
        break;
      default:
        steps.push({ kind: 'other', verb: command.verb, argument: command.argument, line: text });
    }
  }
  finishAuth();
  // A DATA the server accepted with an empty message still has content: none, but not refused.
  for (const step of steps) if (step.kind === 'data' && step.content === null && step.wire.length > 0) step.content = [];
  return { steps, implicitTls: implicitTls ?? false, incomplete };
}

/** ESMTP parameters after the path, in the order typed and with their case (`KEY=value`, or a bare `KEY`). */
function paramsAsTyped(argument: string): Array<[string, string]> {
  const close = argument.indexOf('>');
  return argument
    .slice(close + 1)
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((token) => {
      const eq = token.indexOf('=');
      return eq === -1 ? [token, ''] : [token.slice(0, eq), token.slice(eq + 1)];
    });
}

/** `KEY=value`, or `KEY` alone when it has no value. */
export function paramText([key, value]: readonly [string, string]): string {
  return value === '' ? key : `${key}=${value}`;
}

/** The mail transactions: each MAIL with its RCPTs and DATA, as a tool that sends whole messages sees them. */
export interface Transaction {
  mail: EnvelopeStep;
  rcpts: EnvelopeStep[];
  data: Extract<Step, { kind: 'data' }> | null;
}

export function transactionsOf(plan: SessionPlan): Transaction[] {
  const transactions: Transaction[] = [];
  let current: Transaction | null = null;
  for (const step of plan.steps) {
    if (step.kind === 'mail') transactions.push((current = { mail: step, rcpts: [], data: null }));
    else if (step.kind === 'rcpt' && current) current.rcpts.push(step);
    else if (step.kind === 'data' && current) {
      current.data = step;
      current = null;
    } else if (step.kind === 'rset' || step.kind === 'hello' || step.kind === 'starttls') current = null;
  }
  return transactions;
}
