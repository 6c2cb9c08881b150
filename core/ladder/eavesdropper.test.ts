import { describe, expect, it } from 'vitest';
import { wire } from '../machines/test-wire';
import type { WireEvent } from '../wire';
import { eavesdropperView } from './eavesdropper';

function record(from: 'client' | 'server', type: string, bytes: number, at: number): WireEvent {
  return { conversation: 'test', hop: 0, dir: 'info', info: 'record', text: '', at, tls: true, record: { from, type, bytes } };
}

describe('eavesdropperView', () => {
  const plain = wire(`
    * connected
    S: 220 lab.test ESMTP
    C: EHLO client.test
    S: 250 STARTTLS
    C: STARTTLS
    S: 220 go ahead`);
  const encrypted = wire(`
    * tls
    C: AUTH PLAIN AGFubkBsYWIudGVzdABsYWItZGVtbw==
    S: 235 ok
    * closed`).map((e) => ({ ...e, at: e.at + 10, tls: true }));
  const events = [
    ...plain,
    record('client', 'handshake', 512, 7),
    record('server', 'handshake', 1200, 8),
    ...encrypted.slice(0, 2),
    record('client', 'application-data', 57, 12),
    ...encrypted.slice(2),
    record('server', 'application-data', 30, 13),
  ];
  const view = eavesdropperView(events);

  it('shows the lines before TLS in clear text, as anyone on the wire reads them', () => {
    const lines = view.items.filter((i) => i.kind === 'line').map((i) => (i.kind === 'line' ? `${i.from}: ${i.text}` : ''));
    expect(lines).toEqual(['server: 220 lab.test ESMTP', 'client: EHLO client.test', 'server: 250 STARTTLS', 'client: STARTTLS', 'server: 220 go ahead']);
  });

  it('shows only records after TLS, never the text of a line', () => {
    const after = view.items.slice(view.items.findIndex((i) => i.kind === 'record'));
    expect(after.map((i) => i.kind)).toEqual(['record', 'record', 'note', 'record', 'note', 'record']);
    expect(after[0]).toEqual({ kind: 'record', index: 6, from: 'client', type: 'handshake', bytes: 512, at: 7 });
    expect(JSON.stringify(view)).not.toContain('AUTH');
    expect(JSON.stringify(view)).not.toContain('235');
    expect(view.hiddenLines).toBe(2);
    expect(view.encryptedBytes).toBe(512 + 1200 + 57 + 30);
  });

  it('marks where the connection opens, turns encrypted and closes', () => {
    const notes = view.items.filter((i) => i.kind === 'note').map((i) => i.index);
    expect(notes).toEqual([0, 8, 12]);
  });

  it('marks the wire encrypted from the events\' tls flag, not from the words of a note', () => {
    // STARTTLS: from the first handshake record, which comes before the TLS note.
    expect(view.encryptedFrom).toBe(view.items.findIndex((i) => i.kind === 'record'));
    // Port 465: encrypted from the very first event, the connection itself.
    const implicit = eavesdropperView([
      { conversation: 'test', hop: 0, dir: 'info', info: 'connected', text: 'Connected', at: 0, tls: true },
      record('client', 'handshake', 300, 1),
      { conversation: 'test', hop: 0, dir: 'server', text: '220 lab.test', at: 2, tls: true },
    ]);
    expect(implicit.encryptedFrom).toBe(0);
    expect(implicit.items[0]).toMatchObject({ kind: 'note', info: 'connected' });
    expect(eavesdropperView(plain).encryptedFrom).toBeNull();
  });
});
