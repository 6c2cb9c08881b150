/**
 * A goal's predicate in plain words, so that the player can say what is still missing without the
 * lesson's author writing it twice: "a 503 reply", "a 250 reply to the lone dot that ends the data".
 */
import type { MessageMatch, Predicate, ReplyMatch, WorldMatch } from './predicates';

function replyWords(match: ReplyMatch): string {
  const code = match.code === undefined ? 'a reply' : `a ${match.code} reply`;
  const parts = [match.enhanced ? `${code} (${match.enhanced})` : code];
  if (match.multiline) parts.push('of several lines');
  if (match.answers === 'greeting') parts.push('as the greeting');
  else if (match.answers === '.') parts.push('to the lone dot that ends the data');
  else if (match.answers) parts.push(`to ${match.answers.toUpperCase()}`);
  if (match.command) parts.push(`to a command like /${match.command}/`);
  if (match.text) parts.push(`saying /${match.text}/`);
  if (match.tls !== undefined) parts.push(match.tls ? 'inside TLS' : 'before TLS');
  return parts.join(' ');
}

export function messageWords(match: MessageMatch): string {
  const parts = ['a message'];
  if (match.mailbox) parts.push(`in ${match.mailbox}'s mailbox`);
  if (match.to) parts.push(`to ${match.to}`);
  if (match.from !== undefined) parts.push(match.from === '' ? 'from the null sender <>' : `from ${match.from}`);
  if (match.header) {
    const { name, matches, absent } = match.header;
    parts.push(absent ? `without a ${name}: header` : matches ? `with a ${name}: header like /${matches}/` : `with a ${name}: header`);
  }
  if (match.headerCount) parts.push(`with at least ${match.headerCount.atLeast} ${match.headerCount.name}: headers`);
  if (match.body) parts.push(`whose text is like /${match.body}/`);
  if (match.raw) parts.push(`whose source is like /${match.raw}/`);
  if (match.part) {
    const { type, encoding, children } = match.part;
    parts.push(`with a MIME part of type /${type}/${encoding ? ` encoded /${encoding}/` : ''}${children ? ` made of ${children.map((c) => `/${c}/`).join(', ')}` : ''}`);
  }
  if (match.junk !== undefined) parts.push(match.junk ? 'in the Junk folder' : 'in the Inbox, not in Junk');
  return parts.join(' ');
}

function worldWords(match: WorldMatch): string {
  const parts = [`the mail world's ${match.type}${match.outcome ? ` (${match.outcome})` : ''}`];
  if (match.domain) parts.push(`for ${match.domain}`);
  if (match.host) parts.push(`via a host like /${match.host}/`);
  if (match.reason) parts.push(`because /${match.reason}/`);
  return parts.join(' ');
}

export function describePredicate(predicate: Predicate): string {
  if ('reply' in predicate) return replyWords(predicate.reply);
  if ('command' in predicate) {
    const { verb, line, tls } = predicate.command;
    return `a ${verb.toUpperCase()} command${line ? ` written like /${line}/` : ''}${tls === undefined ? '' : tls ? ' inside TLS' : ' before TLS'}`;
  }
  if ('line' in predicate) return `a ${predicate.line.dir} line like /${predicate.line.matches}/`;
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
