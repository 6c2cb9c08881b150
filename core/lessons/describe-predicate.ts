/**
 * A goal's predicate in plain words, so that the player can say what is still missing without the
 * lesson's author writing it twice: "a 503 reply", "a 250 reply to the lone dot that ends the data".
 * Learners read these words (the "cannot be met" box), so a pattern is never shown as a regular
 * expression: a plain literal is quoted as the text it matches, anything else is named by the goal
 * whose checklist text stands beside it.
 */
import type { MessageMatch, Predicate, ReplyMatch, WorldMatch } from './predicates';

/** The words for a pattern that is not a plain literal: the goal's own text says what it wants. */
const AS_THE_GOAL_SAYS = 'as the goal describes';

/** An escaped punctuation mark stands for itself; a class of one letter in both cases, for that letter. */
const LITERAL_PIECE = /\\([^A-Za-z0-9])|\[([A-Za-z])([A-Za-z])\]|([^\\^$.*+?()[\]{}|])/y;

/** The text a pattern matches when it is a plain literal (edges trimmed of anchors, word bounds and blank space), or null. */
function literalOf(source: string): { text: string; start: boolean; end: boolean } | null {
  let rest = source;
  const start = rest.startsWith('^');
  rest = rest.replace(/^\^?(?:\\b|\\s[*+]?)*/, '');
  const end = /(?<!\\)\$$/.test(rest);
  rest = rest.replace(/(?:\\b|\\s[*+]?)*(?<!\\)\$?$/, '');
  let text = '';
  LITERAL_PIECE.lastIndex = 0;
  while (LITERAL_PIECE.lastIndex < rest.length) {
    const piece = LITERAL_PIECE.exec(rest);
    if (!piece) return null;
    const [, escaped, upper, lower, plain] = piece;
    if (upper !== undefined && lower !== undefined && upper.toLowerCase() !== lower.toLowerCase()) return null;
    text += escaped ?? upper ?? plain ?? '';
  }
  return text.trim() === '' ? null : { text, start, end };
}

/**
 * How a text is matched, said after a noun: "containing “alice@example.test”", "with a line reading
 * “PIPELINING”"; null for a pattern that is no plain literal. A pattern anchors at line ends (it is
 * read with the m flag); `oneLine` is for what is a single line anyway (a command, a host, a header).
 */
function matching(source: string, oneLine = false): string | null {
  const literal = literalOf(source);
  if (!literal) return null;
  const quoted = `“${literal.text}”`;
  const line = oneLine ? '' : 'with a line ';
  if (literal.start && literal.end) return `${line}reading ${quoted}`;
  if (literal.start) return `${line}starting with ${quoted}`;
  if (literal.end) return `${line}ending with ${quoted}`;
  return `containing ${quoted}`;
}

/** "to a command containing “alice@example.test”", or `otherwise` (which names the goal) for a pattern that is no literal. */
function literalWords(source: string, noun: string, otherwise: string, oneLine = true): string {
  const words = matching(source, oneLine);
  return words ? `${noun} ${words}` : otherwise;
}

/** A message's text or source: "whose text contains “DMARC”", "whose source has a line starting with “Action:”". */
function whose(noun: string, source: string): string {
  const words = matching(source) ?? `is ${AS_THE_GOAL_SAYS}`;
  return `whose ${noun} ${words.replace(/^containing/, 'contains').replace(/^with a line/, 'has a line')}`;
}

/** "a MAIL command", "an EHLO command". */
function article(word: string): string {
  return /^[AEIOU]/i.test(word) ? `an ${word}` : `a ${word}`;
}

function replyWords(match: ReplyMatch): string {
  const code = match.code === undefined ? 'a reply' : `a ${match.code} reply`;
  const parts = [match.enhanced ? `${code} (${match.enhanced})` : code];
  if (match.multiline) parts.push('of several lines');
  if (match.answers === 'greeting') parts.push('as the greeting');
  else if (match.answers === '.') parts.push('to the lone dot that ends the data');
  else if (match.answers) parts.push(`to ${match.answers.toUpperCase()}`);
  if (match.command) parts.push(literalWords(match.command, 'to a command', 'to the command the goal describes'));
  if (match.text) parts.push(matching(match.text) ?? 'saying what the goal describes');
  if (match.tls !== undefined) parts.push(match.tls ? 'inside TLS' : 'before TLS');
  return parts.join(' ');
}

/** A MIME type or encoding pattern: the type itself when it is one, else the goal's words. */
function typeWords(source: string): string | null {
  const literal = literalOf(source);
  return literal ? `“${literal.text}”` : null;
}

export function messageWords(match: MessageMatch): string {
  const parts = ['a message'];
  if (match.mailbox) parts.push(`in ${match.mailbox}'s mailbox`);
  if (match.to) parts.push(`to ${match.to}`);
  if (match.from !== undefined) parts.push(match.from === '' ? 'from the null sender <>' : `from ${match.from}`);
  if (match.header) {
    const { name, matches, absent } = match.header;
    parts.push(absent ? `without ${article(name)}: header` : matches ? `with ${article(name)}: header ${matching(matches, true) ?? AS_THE_GOAL_SAYS}` : `with ${article(name)}: header`);
  }
  if (match.headerCount) parts.push(`with at least ${match.headerCount.atLeast} ${match.headerCount.name}: headers`);
  if (match.body) parts.push(whose('text', match.body));
  if (match.raw) parts.push(whose('source', match.raw));
  if (match.part) {
    const { type, encoding, children } = match.part;
    const [typeName, encodingName, kids] = [typeWords(type), encoding && typeWords(encoding), children?.map(typeWords)];
    parts.push(`with a MIME part ${typeName ? `of type ${typeName}` : 'of the type the goal describes'}`);
    if (encoding) parts.push(`encoded ${encodingName ?? AS_THE_GOAL_SAYS}`);
    if (kids) parts.push(kids.includes(null) ? 'made of the parts the goal describes' : `made of ${kids.join(', ')}`);
  }
  if (match.junk !== undefined) parts.push(match.junk ? 'in the Junk folder' : 'in the Inbox, not in Junk');
  return parts.join(' ');
}

function worldWords(match: WorldMatch): string {
  const parts = [`the mail world's ${match.type}${match.outcome ? ` (${match.outcome})` : ''}`];
  if (match.domain) parts.push(`for ${match.domain}`);
  if (match.host) parts.push(literalWords(match.host, 'via a host', 'via the host the goal describes'));
  if (match.reason) parts.push(literalWords(match.reason, 'for a reason', 'for the reason the goal describes', false));
  return parts.join(' ');
}

export function describePredicate(predicate: Predicate): string {
  if ('reply' in predicate) return replyWords(predicate.reply);
  if ('command' in predicate) {
    const { verb, line, tls } = predicate.command;
    return `${article(verb.toUpperCase())} command${line ? ` ${matching(line, true) ?? `written ${AS_THE_GOAL_SAYS}`}` : ''}${tls === undefined ? '' : tls ? ' inside TLS' : ' before TLS'}`;
  }
  if ('line' in predicate) return `a ${predicate.line.dir} line ${matching(predicate.line.matches, true) ?? `written ${AS_THE_GOAL_SAYS}`}`;
  if ('state' in predicate) return `the session in the "${predicate.state}" state`;
  if ('tls' in predicate) return 'a TLS handshake';
  if ('pipelined' in predicate) return `${predicate.pipelined} commands sent before the first reply came back`;
  if ('message' in predicate) return messageWords(predicate.message);
  if ('noMessage' in predicate) return `no ${messageWords(predicate.noMessage).replace(/^a /, '')}`;
  if ('world' in predicate) return worldWords(predicate.world);
  if ('mine' in predicate) return `${describePredicate(predicate.mine)}, in your own conversation`;
  if ('hop' in predicate) return `${describePredicate(predicate.hop)}, in a relay hop of the lab`;
  if ('all' in predicate) return predicate.all.map(describePredicate).join(' and ');
  if ('any' in predicate) return predicate.any.map(describePredicate).join(' or ');
  if ('not' in predicate) return `not ${describePredicate(predicate.not)}`;
  return predicate.sequence.map(describePredicate).join(', then ');
}
