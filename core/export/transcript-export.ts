/**
 * Transcript exports a learner can keep or paste into a bug report: text in the style of swaks
 * (the SMTP swiss-army knife many admins know), and JSON with every field of the wire events.
 */
import type { WireEvent } from '../wire';

export { ladderToSvg, escapeXml, type LadderSvgOptions } from './ladder-svg';

export interface SwaksTextOptions {
  /** Prefix each line with its time since the conversation began, e.g. "[+12.5 ms]". */
  times?: boolean;
}

/** swaks marks lines inside TLS with "~" instead of "-", so the reader sees what was encrypted. */
function prefixOf(event: WireEvent): string {
  if (event.dir === 'client') return event.tls ? '~> ' : '-> ';
  if (event.dir === 'server') return event.tls ? '<~ ' : '<- ';
  return '=== ';
}

function infoText(event: WireEvent): string {
  switch (event.info) {
    case 'connected': return event.text || 'Connected';
    case 'tls': return event.text || 'TLS started';
    case 'closed': return event.text || 'Connection closed';
    case 'error': return `Error: ${event.text}`;
    default: return event.text;
  }
}

/**
 * The conversation as swaks would print it: "-> " client, "<- " server, "~> " / "<~ " inside TLS,
 * "=== " for what is not a line. TLS records are left out: they are not part of the transcript.
 */
export function toSwaksText(events: readonly WireEvent[], options: SwaksTextOptions = {}): string {
  const lines: string[] = [];
  for (const event of events) {
    if (event.info === 'record') continue;
    const text = event.dir === 'info' ? infoText(event) : event.text;
    const cut = event.cut ? ` [… ${event.cut} more bytes not recorded]` : '';
    const time = options.times ? `[+${event.at} ms] ` : '';
    lines.push(`${time}${prefixOf(event)}${text}${cut}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

export interface JsonLine {
  dir: WireEvent['dir'];
  text: string;
  at: number;
  tls: boolean;
  hop: number;
  info?: WireEvent['info'];
  cut?: number;
  redacted?: boolean;
  sentAt?: number;
  record?: WireEvent['record'];
  /** The line ended in a bare LF: the session tracker reads a "." after it as content, so it is kept. */
  bareLf?: boolean;
}

export interface JsonTranscript {
  conversation: string | null;
  lines: JsonLine[];
}

/** Every event as it was recorded, TLS records included, as pretty JSON. */
export function toJson(events: readonly WireEvent[]): string {
  const transcript: JsonTranscript = {
    conversation: events[0]?.conversation ?? null,
    lines: events.map((event) => {
      const line: JsonLine = { dir: event.dir, text: event.text, at: event.at, tls: event.tls, hop: event.hop };
      if (event.info !== undefined) line.info = event.info;
      if (event.cut) line.cut = event.cut;
      if (event.redacted) line.redacted = true;
      if (event.sentAt !== undefined) line.sentAt = event.sentAt;
      if (event.record) line.record = event.record;
      if (event.bareLf) line.bareLf = true;
      return line;
    }),
  };
  return `${JSON.stringify(transcript, null, 2)}\n`;
}
