/**
 * What the ladder needs besides its layout: which transcript line each wire event is (the
 * transcript leaves TLS record sizes out, the event list keeps them), and what the lab account's
 * AUTH lines decode to, so the drawing itself says that base64 hides nothing.
 */
import type { TrackedLine } from '../../core/machines/session-tracker';
import { explainCommand } from '../../core/smtp/explain-command';
import type { Origin, WireEvent } from '../../core/wire';
import { relayHopEnds } from '../../core/world/hop-ends';
import type { WorldEvent } from '../../core/world/world-events';

/** eventToLine[i] is the transcript line of event i, or -1 for a TLS record. */
export function eventToLineIndex(events: readonly WireEvent[]): number[] {
  let line = 0;
  return events.map((event) => (event.info === 'record' ? -1 : line++));
}

/** The first event index of each transcript line (the inverse of eventToLineIndex). */
export function lineToEventIndex(events: readonly WireEvent[]): number[] {
  const result: number[] = [];
  events.forEach((event, index) => {
    if (event.info !== 'record') result.push(index);
  });
  return result;
}

export interface DecodedAuth {
  /** Event index. */
  index: number;
  text: string;
}

/**
 * The decoded AUTH lines of a conversation. Lines the tap redacted (not a lab account) are never
 * decoded: what they carry now is a placeholder, and the real credential never left the bridge.
 */
export function decodedAuthLines(events: readonly WireEvent[], lines: readonly TrackedLine[]): DecodedAuth[] {
  const toLine = eventToLineIndex(events);
  const decoded: DecodedAuth[] = [];
  events.forEach((event, index) => {
    if (event.dir !== 'client' || event.redacted) return;
    const mode = lines[toLine[index] ?? -1]?.mode;
    const isAuth = mode === 'auth' || (mode === 'command' && /^AUTH\s/i.test(event.text));
    if (!isAuth || !mode) return;
    const text = explainCommand(event.text, mode).decoded;
    if (text !== null && text !== '') decoded.push({ index, text: readable(text) });
  });
  return decoded;
}

/**
 * AUTH PLAIN carries "authzid NUL user NUL password"; the NUL marker is a glyph many fonts lack,
 * so the three parts are named instead.
 */
function readable(decoded: string): string {
  const parts = decoded.split(/[\u0000\u2400]/);
  if (parts.length !== 3) return `“${decoded}”`;
  const [authzid, user, password] = parts;
  return `${authzid ? `as “${authzid}”, ` : ''}user “${user}”, password “${password}”`;
}

/** Who the client is, for the ladder's left lifeline, when it is not an MTA of the lab world. */
function clientLabel(origin: string, peer: string): string {
  if (origin === 'terminal') return 'you (terminal)';
  if (origin === 'compose') return 'nodemailer (Compose)';
  return peer ? `outside client ${peer}` : 'outside client';
}

/** What the ladder, its SVG export and the step controls need to know of a conversation. */
export interface ConversationFacts {
  id: string;
  origin: Origin;
  peer: string;
  /** From the journey tracker, which reads the wire events' `tls` flags. */
  tls: boolean;
  implicitTls: boolean;
  ended: boolean;
}

/** Who spoke on a conversation, and whether it was encrypted: one heading for every view of it. */
export interface ConversationEnds {
  client: string;
  server: string;
  /** 0 for a submission or a terminal session, 1 for the relay's hop, 2 for a bounce, ... */
  hop: number;
  tls: 'implicit' | 'starttls' | 'none';
  /** "STARTTLS", "TLS from the first byte", "no TLS". */
  tlsText: string;
  /** "hop 1: smtp.lab.test → mx.example.test, STARTTLS". */
  title: string;
}

const TLS_TEXT = { implicit: 'TLS from the first byte', starttls: 'STARTTLS', none: 'no TLS' } as const;

/**
 * The real names of both ends: a relay hop's from the world events (the relay or the MTA sending a
 * bounce, and the host it reached); anything else talks to the lab's own server, `relayName`.
 */
export function conversationEnds(facts: ConversationFacts, world: readonly WorldEvent[], relayName: string): ConversationEnds {
  const relay = facts.origin === 'relay' ? relayHopEnds(facts.id, world, relayName) : null;
  const client = relay?.client ?? clientLabel(facts.origin, facts.peer);
  const server = relay?.server ?? relayName;
  const tls = facts.implicitTls ? 'implicit' : facts.tls ? 'starttls' : 'none';
  // A session still running may start TLS yet; once it is over, "no TLS" is the whole story.
  const tlsText = tls === 'none' && !facts.ended ? 'no TLS so far' : TLS_TEXT[tls];
  const hop = relay?.hop ?? 0;
  return { client, server, hop, tls, tlsText, title: `${hop > 0 ? `hop ${hop}: ` : ''}${client} → ${server}, ${tlsText}` };
}

/** A file name for exports: smtp-lab-<conversation>.<ext>. */
export function exportName(conversationId: string, extension: string): string {
  return `smtp-lab-${conversationId.replace(/[^\w-]/g, '_')}.${extension}`;
}
