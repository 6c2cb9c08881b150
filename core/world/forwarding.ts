/**
 * What a forwarder does with a message for one of its aliases or lists, decided from the world
 * definition alone: where it goes, with which MAIL FROM, and what a list changes in it. The bridge
 * re-sends it through the lab's queue and seals it with ARC; the rules live here to be read and
 * tested without sockets.
 */
import { domainOf } from './lab-dns';
import type { DomainDefinition, ForwardingAlias, MailingList } from './world-types';

export type ForwardTarget = { kind: 'alias'; alias: ForwardingAlias } | { kind: 'list'; list: MailingList };

/** The alias or list `address` names at one of `served`, or null for an ordinary mailbox. */
export function forwardTargetOf(served: readonly DomainDefinition[], address: string): ForwardTarget | null {
  const wanted = address.toLowerCase();
  const forwarding = served.find((d) => d.name === domainOf(wanted))?.forwarding;
  if (!forwarding) return null;
  const alias = forwarding.aliases.find((a) => a.address.toLowerCase() === wanted);
  if (alias) return { kind: 'alias', alias };
  const list = forwarding.lists.find((l) => l.address.toLowerCase() === wanted);
  return list ? { kind: 'list', list } : null;
}

/** Where the forwarder sends it, and with which envelope. */
export function forwardEnvelope(target: ForwardTarget, envelopeFrom: string): { envelopeFrom: string; envelopeTo: string[] } {
  // An alias keeps the author's MAIL FROM (a bounce then reaches the author, and SPF fails); a list
  // names its own bounce address, so the owner hears of dead members, not every author.
  if (target.kind === 'alias') return { envelopeFrom, envelopeTo: [target.alias.to] };
  return { envelopeFrom: target.list.bounces, envelopeTo: [...target.list.members] };
}

/**
 * The message as a list sends it on: the tag in front of the subject (once), a List-Id
 * (RFC 2919), and the footer at the end of the body. `message` is the text as it arrived, CRLF
 * line ends; the header and body are changed where a list manager changes them, nothing else.
 */
export function listCopy(list: MailingList, message: string): string {
  const split = message.indexOf('\r\n\r\n');
  const head = split === -1 ? message.replace(/(\r\n)?$/, '\r\n') : message.slice(0, split + 2);
  const body = split === -1 ? '' : message.slice(split + 4);
  const tagged = taggedHead(head, list.subjectTag);
  const listId = `List-Id: <${list.address.replace('@', '.')}>\r\n`;
  const ending = body === '' || body.endsWith('\r\n') ? body : `${body}\r\n`;
  const footer = list.footer.split(/\r?\n/).join('\r\n');
  return `${listId}${tagged}\r\n${ending}-- \r\n${footer}\r\n`;
}

function taggedHead(head: string, tag: string): string {
  const subject = /^Subject:[ \t]?(.*(?:\r\n[ \t].*)*)\r\n/im.exec(head);
  if (!subject) return `${head}Subject: ${tag}\r\n`;
  const text = subject[1] ?? '';
  if (text.includes(tag)) return head;
  return head.replace(subject[0], `Subject: ${tag} ${text}\r\n`);
}

/**
 * What the ARC-Authentication-Results of a seal carries (RFC 8617 §4.1.1): the host's own
 * Authentication-Results on arrival, without its field name; `header` is what a check wrote.
 */
export function arcAuthResults(header: string): string {
  const first = header.split(/\r\n(?=\S)/)[0] ?? '';
  return first.replace(/^Authentication-Results:\s*/i, '').replace(/\r\n$/, '');
}
