import { describe, expect, it } from 'vitest';
import { opening, wire } from '../machines/test-wire';
import type { WireEvent } from '../wire';
import { cutText, elapsedLabel, ladderLayout, type LadderEvent } from './ladder-layout';

/** Inside TLS from event `from` on, as the tap marks it. */
function tlsFrom(events: WireEvent[], from: number): WireEvent[] {
  return events.map((e, i) => (i >= from ? { ...e, tls: true } : e));
}

const STARTTLS = tlsFrom(wire(`
  * connected
  ${opening('STARTTLS')}
  C: STARTTLS
  S: 220 go ahead
  * tls
  C: EHLO client.test
  S: 250 lab.test
  C: QUIT
  S: 221 bye
  * closed`), 7);

describe('ladderLayout', () => {
  it('draws commands towards the server and replies towards the client, one row per event', () => {
    const ladder = ladderLayout(STARTTLS, { width: 600, rowHeight: 20 });
    const { client, server } = ladder.lifelines;
    expect(client.x).toBeLessThan(server.x);
    for (const arrow of ladder.arrows) {
      const event = STARTTLS[arrow.index];
      expect(arrow.dir).toBe(event?.dir);
      expect([arrow.x1, arrow.x2]).toEqual(arrow.dir === 'client' ? [client.x, server.x] : [server.x, client.x]);
      expect(arrow.y2).toBeGreaterThan(arrow.y1);
    }
    const ys = ladder.arrows.map((a) => a.y1);
    expect(ys).toEqual([...ys].sort((a, b) => a - b));
    expect(ladder.arrows.length + ladder.notes.length).toBe(STARTTLS.length);
    expect(ladder.notes.map((n) => n.kind)).toEqual(['connected', 'tls', 'closed']);
    expect(ladder.height).toBeGreaterThan(STARTTLS.length * 20);
  });

  it('shades from the TLS note to the end of the conversation', () => {
    const ladder = ladderLayout(STARTTLS);
    const tlsNote = ladder.notes.find((n) => n.kind === 'tls');
    const last = ladder.notes.at(-1);
    expect(ladder.tlsBands).toEqual([{ y1: tlsNote!.y - ladder.rowHeight / 2, y2: last!.y + ladder.rowHeight / 2 }]);
    expect(ladder.arrows.filter((a) => a.tls).map((a) => a.fullText)).toEqual(['EHLO client.test', '250 lab.test', 'QUIT', '221 bye']);
    expect(ladder.arrows.find((a) => a.fullText === 'STARTTLS')?.tls).toBe(false);
  });

  it('shades everything for implicit TLS', () => {
    const ladder = ladderLayout(wire('* connected\nS: 220 hi\nC: QUIT').map((e) => ({ ...e, tls: true })));
    expect(ladder.tlsBands).toHaveLength(1);
    expect(ladder.tlsBands[0]?.y1).toBe(ladder.notes[0]!.y - ladder.rowHeight / 2);
  });

  it('finds a pipelined batch sent before the first reply', () => {
    const events = wire(`${opening('PIPELINING')}
      C: MAIL FROM:<a@b.test>
      C: RCPT TO:<c@d.test>
      C: RCPT TO:<e@d.test>
      C: DATA
      S: 250 ok
      S: 250 ok
      S: 250 ok
      S: 354 go
      C: Subject: x
      C: .
      S: 250 queued
      C: QUIT
      S: 221 bye`);
    const batches = ladderLayout(events).arrows.filter((a) => a.dir === 'client').map((a) => `${a.batch}:${a.fullText}`);
    expect(batches).toEqual([
      'null:EHLO client.test', '0:MAIL FROM:<a@b.test>', '0:RCPT TO:<c@d.test>', '0:RCPT TO:<e@d.test>', '0:DATA',
      'null:Subject: x', 'null:.', 'null:QUIT',
    ]);
  });

  it('slants lines the gate held from when they were written to when they left', () => {
    // The gate released one line per Next, so the replies come in between; sentAt tells the truth.
    const times: Array<[string, number, number?]> = [
      ['S: 220 hi', 0], ['C: EHLO a.test', 5], ['S: 250 PIPELINING', 6],
      ['C: MAIL FROM:<a@b.test>', 100, 100], ['S: 250 ok', 101],
      ['C: RCPT TO:<c@d.test>', 800, 100], ['S: 250 ok', 801],
      ['C: DATA', 1500, 100], ['S: 354 go', 1501],
    ];
    const events: LadderEvent[] = times.map(([line, at, sentAt]) => ({
      ...wire(line)[0]!, at, ...(sentAt === undefined ? {} : { sentAt }),
    }));
    const ladder = ladderLayout(events);
    const arrow = (text: string) => ladder.arrows.find((a) => a.fullText === text)!;
    const mailReply = ladder.arrows[4]!;
    expect(arrow('RCPT TO:<c@d.test>').y1).toBe(arrow('MAIL FROM:<a@b.test>').y1);
    expect(arrow('RCPT TO:<c@d.test>').y1).toBeLessThan(mailReply.y1);
    expect(arrow('DATA').y1).toBe(arrow('MAIL FROM:<a@b.test>').y1);
    expect(arrow('DATA').sentAt).toBe(100);
    expect(['MAIL FROM:<a@b.test>', 'RCPT TO:<c@d.test>', 'DATA'].map((t) => arrow(t).batch)).toEqual([0, 0, 0]);
    expect(arrow('EHLO a.test').batch).toBeNull();
  });

  it('leaves TLS records out, cuts long texts and labels the time', () => {
    const long = `Subject: ${'x'.repeat(200)}`;
    const record: WireEvent = { conversation: 'c', hop: 0, dir: 'info', info: 'record', text: '', at: 3, tls: true, record: { from: 'client', type: 'handshake', bytes: 300 } };
    const events = [...wire(`S: 220 hi\nC: ${long}`), record];
    const ladder = ladderLayout(events, { maxChars: 20 });
    expect(ladder.notes).toEqual([]);
    expect(ladder.arrows[1]).toMatchObject({ text: `${long.slice(0, 19)}…`, fullText: long, time: '+1 ms' });
    expect([elapsedLabel(0.42), elapsedLabel(123.4), elapsedLabel(12_345)]).toEqual(['+0.4 ms', '+123 ms', '+12.3 s']);
    expect(cutText('short', 20)).toBe('short');
    // By default a cut text fits between the lifelines of the drawing.
    const fitted = ladderLayout(events, { width: 500 });
    const room = fitted.lifelines.server.x - fitted.lifelines.client.x;
    expect(fitted.arrows[1]!.text.length * 7.5).toBeLessThanOrEqual(room);
    expect(fitted.arrows[1]!.text.endsWith('…')).toBe(true);
  });
});
