/**
 * Evaluates goal predicates. Conversation predicates hold at positions (line indices) of one
 * conversation, which is what "in the same session" and "later" mean; message predicates hold
 * everywhere or nowhere.
 */
import { END_OF_DATA, GREETING } from '../machines/session-model';
import { parseCommand } from '../smtp/command';
import { bodyOf, headerFields, type Evidence, type LessonConversation, type LessonMessage } from './evidence';
import type { WorldEvent } from '../world/world-events';
import { allParts, mimeStructure } from '../mail/mime';
import type { CommandMatch, LineMatch, MessageMatch, Predicate, ReplyMatch, WorldMatch } from './predicates';

/** A position for predicates that do not depend on where in a conversation we are. */
const ANYWHERE = -1;

const regex = (source: string) => new RegExp(source, 'm');

function codeMatches(expected: number | string | undefined, actual: number): boolean {
  if (expected === undefined) return true;
  if (typeof expected === 'number') return expected === actual;
  return String(actual)[0] === expected[0];
}

function answeredVerb(answers: string | null): string {
  if (answers === null) return '';
  if (answers === GREETING) return 'greeting';
  if (answers === END_OF_DATA) return END_OF_DATA;
  return parseCommand(answers).verb;
}

function replyAt(conversation: LessonConversation, match: ReplyMatch): number[] {
  const found: number[] = [];
  conversation.lines.forEach((line, index) => {
    const tracked = line.reply;
    if (!tracked) return;
    const { reply, answers } = tracked;
    if (!codeMatches(match.code, reply.code)) return;
    if (match.enhanced && reply.enhanced !== match.enhanced) return;
    if (match.answers && answeredVerb(answers).toUpperCase() !== match.answers.toUpperCase()) return;
    if (match.command && !(answers !== null && regex(match.command).test(answers))) return;
    if (match.text && !regex(match.text).test(reply.lines.join('\n'))) return;
    if (match.multiline !== undefined && (reply.lines.length > 1) !== match.multiline) return;
    if (match.tls !== undefined && line.event.tls !== match.tls) return;
    found.push(index);
  });
  return found;
}

function commandAt(conversation: LessonConversation, match: CommandMatch): number[] {
  const found: number[] = [];
  conversation.lines.forEach((line, index) => {
    if (line.event.dir !== 'client' || line.mode !== 'command') return;
    if (parseCommand(line.event.text).verb !== match.verb.toUpperCase()) return;
    if (match.line && !regex(match.line).test(line.event.text)) return;
    if (match.tls !== undefined && line.event.tls !== match.tls) return;
    // A command moves nothing until its reply: the state it was sent in is the one before it.
    if (match.during && !match.during.includes(conversation.lines[index - 1]?.state ?? 'connecting')) return;
    found.push(index);
  });
  return found;
}

function lineAt(conversation: LessonConversation, match: LineMatch): number[] {
  const found: number[] = [];
  let serverAt = -Infinity;
  conversation.lines.forEach((line, index) => {
    if (line.event.dir === 'server') serverAt = line.event.at;
    if (line.event.dir !== match.dir || !regex(match.matches).test(line.event.text)) return;
    if (match.mode && line.mode !== match.mode) return;
    if (match.tls !== undefined && line.event.tls !== match.tls) return;
    if (match.early !== undefined && line.event.at < serverAt !== match.early) return;
    found.push(index);
  });
  return found;
}

/** Commands that may only end a pipelined batch (RFC 2920 §3.1; STARTTLS RFC 3207 §4, AUTH RFC 4954 §4). */
const LAST_IN_BATCH = new Set(['EHLO', 'HELO', 'DATA', 'QUIT', 'NOOP', 'VRFY', 'EXPN', 'TURN', 'STARTTLS', 'AUTH']);

/**
 * Positions where a run of `count` client commands was out before a reply came back. A command
 * sent after one that must end a batch makes the batch one RFC 2920 forbids: it does not count.
 */
function pipelinedAt(conversation: LessonConversation, count: number): number[] {
  const found: number[] = [];
  let run = 0;
  let ended = false;
  conversation.lines.forEach((line, index) => {
    if (line.event.dir === 'server') {
      run = 0;
      ended = false;
    } else if (line.event.dir === 'client' && line.mode === 'command') {
      if (ended) run = -Infinity;
      run += 1;
      ended = LAST_IN_BATCH.has(parseCommand(line.event.text).verb);
      if (run >= count) found.push(index);
    }
  });
  return found;
}

export function messageMatches(message: LessonMessage, match: MessageMatch): boolean {
  const lower = (text: string) => text.toLowerCase();
  if (match.mailbox && lower(message.mailbox ?? '') !== lower(match.mailbox)) return false;
  if (match.to && !message.envelopeTo.some((to) => lower(to) === lower(match.to ?? ''))) return false;
  if (match.from !== undefined && lower(message.envelopeFrom) !== lower(match.from)) return false;
  const fields = match.header || match.headerCount ? headerFields(message.raw) : [];
  if (match.header) {
    const name = lower(match.header.name);
    const values = fields.filter((f) => lower(f.name) === name).map((f) => f.value);
    if (match.header.absent) {
      if (values.length > 0) return false;
    } else if (values.length === 0) return false;
    const pattern = match.header.matches;
    if (pattern && !values.some((value) => regex(pattern).test(value))) return false;
  }
  if (match.headerCount) {
    const name = lower(match.headerCount.name);
    if (fields.filter((f) => lower(f.name) === name).length < match.headerCount.atLeast) return false;
  }
  if (match.body && !regex(match.body).test(bodyOf(message.raw))) return false;
  if (match.raw && !regex(match.raw).test(message.raw)) return false;
  if (match.part && !hasPart(message.raw, match.part)) return false;
  if (match.junk !== undefined && (message.quarantined ?? false) !== match.junk) return false;
  return true;
}

type PartMatch = NonNullable<MessageMatch['part']>;

/** Some part of the message's MIME tree is of the type and encoding asked, with the children asked. */
function hasPart(raw: string, match: PartMatch): boolean {
  return allParts(mimeStructure(asciiBytes(raw))).some((part) => {
    if (!regex(match.type).test(part.type)) return false;
    if (match.encoding && !regex(match.encoding).test(part.encoding)) return false;
    const { children } = match;
    if (!children) return true;
    return !part.boundaryMissing && part.children.length === children.length && children.every((type, i) => regex(type).test(part.children[i]?.type ?? ''));
  });
}

/**
 * One byte per UTF-16 unit (core has no TextEncoder). The tree is read from its ASCII alone —
 * header names, types, boundary lines — which this keeps exact; other characters only fill bodies.
 */
function asciiBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}

export function worldEventMatches(event: WorldEvent, match: WorldMatch): boolean {
  if (event.type !== match.type) return false;
  const domain = event.type === 'dns.lookup' ? event.query.name : 'domain' in event ? event.domain : undefined;
  if (match.domain && domain?.toLowerCase() !== match.domain.toLowerCase()) return false;
  if (match.host) {
    const host = event.type === 'dns.lookup' ? event.chosen : 'host' in event ? event.host : null;
    if (!host || !regex(match.host).test(host)) return false;
  }
  if (match.outcome && !((event.type === 'recipient' || event.type === 'zone') && event.outcome === match.outcome)) return false;
  const reason = match.reason;
  if (reason && !(event.type === 'zone' && event.reasons.some((text) => regex(reason).test(text)))) return false;
  return true;
}

/** The line indices of a conversation where the predicate holds (-1: holds wherever, not at a line). */
export function positions(predicate: Predicate, conversation: LessonConversation, evidence: Evidence): number[] {
  if ('reply' in predicate) return replyAt(conversation, predicate.reply);
  if ('command' in predicate) return commandAt(conversation, predicate.command);
  if ('line' in predicate) return lineAt(conversation, predicate.line);
  if ('state' in predicate) {
    const found: number[] = [];
    conversation.lines.forEach((line, index) => line.state === predicate.state && found.push(index));
    return found;
  }
  if ('tls' in predicate) {
    const found: number[] = [];
    conversation.lines.forEach((line, index) => line.event.info === 'tls' && found.push(index));
    return found;
  }
  if ('pipelined' in predicate) return pipelinedAt(conversation, predicate.pipelined);
  if ('message' in predicate) return evidence.messages.some((m) => messageMatches(m, predicate.message)) ? [ANYWHERE] : [];
  if ('world' in predicate) return (evidence.worldEvents ?? []).some((e) => worldEventMatches(e, predicate.world)) ? [ANYWHERE] : [];
  if ('noMessage' in predicate) return evidence.messages.some((m) => messageMatches(m, predicate.noMessage)) ? [] : [ANYWHERE];
  if ('mine' in predicate) return conversation.origin === 'relay' ? [] : positions(predicate.mine, conversation, evidence);
  if ('hop' in predicate) return conversation.origin === 'relay' ? positions(predicate.hop, conversation, evidence) : [];
  if ('all' in predicate) {
    let latest = ANYWHERE;
    for (const part of predicate.all) {
      const found = positions(part, conversation, evidence);
      if (found.length === 0) return [];
      latest = Math.max(latest, Math.min(...found));
    }
    return [latest];
  }
  if ('any' in predicate) {
    const found = new Set<number>();
    for (const part of predicate.any) for (const position of positions(part, conversation, evidence)) found.add(position);
    return [...found].sort((a, b) => a - b);
  }
  if ('not' in predicate) return positions(predicate.not, conversation, evidence).length === 0 ? [ANYWHERE] : [];
  // sequence: the earliest position of each part after the previous one
  let at = ANYWHERE;
  for (const part of predicate.sequence) {
    const found = positions(part, conversation, evidence);
    // "Later" includes the same line: a 221 and the closed state it causes are one moment.
    const next = found.find((position) => position === ANYWHERE || position >= at);
    if (next === undefined) return [];
    if (next !== ANYWHERE) at = next;
  }
  return [at];
}

const EMPTY: LessonConversation = { id: '', lines: [] };

/** True when some conversation (or, for message predicates alone, the mailboxes) satisfies it. */
export function holds(predicate: Predicate, evidence: Evidence): boolean {
  const candidates = evidence.conversations.length > 0 ? evidence.conversations : [EMPTY];
  return candidates.some((conversation) => positions(predicate, conversation, evidence).length > 0);
}
