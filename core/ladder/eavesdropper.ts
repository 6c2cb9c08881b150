/**
 * What someone on the wire sees of a conversation. Before TLS every line is in clear text, and
 * that is the point of the view: the eavesdropper reads them too. Once TLS starts, only the TLS
 * records show (who sent one, its type, its size), never a line's text, even though the tap that
 * terminates TLS knows it.
 */
import type { InfoKind, WireEvent } from '../wire';

export type EavesdropperItem =
  | { kind: 'line'; index: number; from: 'client' | 'server'; text: string; at: number }
  | { kind: 'record'; index: number; from: 'client' | 'server'; type: string; bytes: number; at: number }
  | { kind: 'note'; index: number; info: NoteKind; text: string; at: number };

export type NoteKind = Extract<InfoKind, 'connected' | 'tls' | 'closed'>;

export interface EavesdropperView {
  items: EavesdropperItem[];
  /** Lines that travelled inside TLS: the eavesdropper saw their records, not their text. */
  hiddenLines: number;
  /** Payload bytes of all TLS records seen. */
  encryptedBytes: number;
  /**
   * The first item on an encrypted wire, from the events' own `tls` flag (the TLS note after
   * STARTTLS, or the very first item on port 465); null while everything is in clear text.
   */
  encryptedFrom: number | null;
}

const NOTES: Record<NoteKind, string> = {
  connected: 'A TCP connection opens.',
  tls: 'From here on the connection is encrypted: only TLS records can be seen.',
  closed: 'The connection closes.',
};

export function eavesdropperView(events: readonly WireEvent[]): EavesdropperView {
  const items: EavesdropperItem[] = [];
  let hiddenLines = 0;
  let encryptedBytes = 0;
  let encryptedFrom: number | null = null;
  events.forEach((event, index) => {
    const { at } = event;
    if (event.tls && event.info !== 'error') encryptedFrom ??= items.length;
    if (event.dir === 'info') {
      if (event.info === 'record' && event.record) {
        const { from, type, bytes } = event.record;
        items.push({ kind: 'record', index, from, type, bytes, at });
        encryptedBytes += bytes;
        return;
      }
      if (event.info === 'connected' || event.info === 'tls' || event.info === 'closed') {
        items.push({ kind: 'note', index, info: event.info, text: NOTES[event.info], at });
      }
      return;
    }
    // The text of an encrypted line must never reach this view, whatever else happens.
    if (event.tls) {
      hiddenLines++;
      return;
    }
    items.push({ kind: 'line', index, from: event.dir, text: event.text, at });
  });
  // Encrypted lines that left no item of their own mark nothing.
  if (encryptedFrom !== null && encryptedFrom >= items.length) encryptedFrom = null;
  return { items, hiddenLines, encryptedBytes, encryptedFrom };
}
