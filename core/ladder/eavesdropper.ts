/**
 * What someone on the wire sees of a conversation. Before TLS every line is in clear text, and
 * that is the point of the view: the eavesdropper reads them too. Once TLS starts, only the TLS
 * records show (who sent one, its type, its size), never a line's text, even though the tap that
 * terminates TLS knows it.
 */
import type { WireEvent } from '../wire';

export type EavesdropperItem =
  | { kind: 'line'; index: number; from: 'client' | 'server'; text: string; at: number }
  | { kind: 'record'; index: number; from: 'client' | 'server'; type: string; bytes: number; at: number }
  | { kind: 'note'; index: number; text: string; at: number };

export interface EavesdropperView {
  items: EavesdropperItem[];
  /** Lines that travelled inside TLS: the eavesdropper saw their records, not their text. */
  hiddenLines: number;
  /** Payload bytes of all TLS records seen. */
  encryptedBytes: number;
}

const NOTES: Partial<Record<string, string>> = {
  connected: 'A TCP connection opens.',
  tls: 'From here on the connection is encrypted: only TLS records can be seen.',
  closed: 'The connection closes.',
};

export function eavesdropperView(events: readonly WireEvent[]): EavesdropperView {
  const items: EavesdropperItem[] = [];
  let hiddenLines = 0;
  let encryptedBytes = 0;
  events.forEach((event, index) => {
    const { at } = event;
    if (event.dir === 'info') {
      if (event.info === 'record' && event.record) {
        const { from, type, bytes } = event.record;
        items.push({ kind: 'record', index, from, type, bytes, at });
        encryptedBytes += bytes;
        return;
      }
      const text = event.info === undefined ? undefined : NOTES[event.info];
      if (text) items.push({ kind: 'note', index, text, at });
      return;
    }
    // The text of an encrypted line must never reach this view, whatever else happens.
    if (event.tls) {
      hiddenLines++;
      return;
    }
    items.push({ kind: 'line', index, from: event.dir, text: event.text, at });
  });
  return { items, hiddenLines, encryptedBytes };
}
