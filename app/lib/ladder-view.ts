/**
 * What the ladder needs besides its layout: which transcript line each wire event is (the
 * transcript leaves TLS record sizes out, the event list keeps them), and what the lab account's
 * AUTH lines decode to, so the drawing itself says that base64 hides nothing.
 */
import type { TrackedLine } from '../../core/machines/session-tracker';
import { explainCommand } from '../../core/smtp/explain-command';
import type { WireEvent } from '../../core/wire';

export { conversationEnds, type ConversationEnds, type ConversationFacts } from './conversation-ends';

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

/** A file name for exports: smtp-lab-<conversation>.<ext>. */
export function exportName(conversationId: string, extension: string): string {
  return `smtp-lab-${conversationId.replace(/[^\w-]/g, '_')}.${extension}`;
}
