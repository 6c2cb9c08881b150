import { describe, expect, it } from 'vitest';
import { opening, wire } from '../machines/test-wire';
import type { WireEvent } from '../wire';
import { cutText, elapsedLabel, LadderBuilder, ladderLayout, segmentHitsBox, type Ladder, type LadderEvent } from './ladder-layout';

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

describe('ladder labels', () => {
  /** Every arrow's line against every label box: none may pass through one. */
  function crossings(events: LadderEvent[]): string[] {
    return crossingsIn(ladderLayout(events));
  }
  function crossingsIn(ladder: Ladder): string[] {
    const found: string[] = [];
    for (const labelled of ladder.arrows) {
      const box = labelled.label;
      // A hair inside the box, so a line that only grazes its edge does not count.
      const inner = { x: box.x + 0.5, y: box.y + 0.5, width: box.width - 1, height: box.height - 1 };
      for (const line of ladder.arrows) {
        if (segmentHitsBox(line, inner)) found.push(`"${line.fullText}" crosses the label "${labelled.text}"`);
      }
    }
    return found;
  }

  // Written in one go, released one per reply by the gate: the lines slant across the replies.
  const PIPELINED: LadderEvent[] = (
    [
      ['S: 220 lab.test ESMTP', 0], ['C: EHLO client.example.test', 5], ['S: 250-lab.test', 6], ['S: 250-PIPELINING', 6.2],
      ['S: 250 8BITMIME', 6.4],
      ['C: MAIL FROM:<someone.with.a.long.name@example.test>', 100, 100], ['C: RCPT TO:<a@lab.test>', 100.5, 100],
      ['S: 250 2.1.0 sender ok', 101], ['C: RCPT TO:<b-with-a-longer-address@lab.test>', 700, 100],
      ['S: 250 2.1.5 recipient ok', 701], ['S: 250 2.1.5 recipient ok', 702], ['C: DATA', 1500, 100],
      ['S: 354 end data with <CR><LF>.<CR><LF>', 1501], ['C: Subject: x', 1502], ['C: ', 1503], ['C: .', 1504],
      ['S: 250 2.0.0 queued as 1A2B3C', 1505], ['C: QUIT', 1600], ['S: 221 2.0.0 bye', 1601],
    ] as Array<[string, number, number?]>
  ).map(([line, at, sentAt]) => ({ ...wire(line)[0]!, at, ...(sentAt === undefined ? {} : { sentAt }) }));

  it('keeps every label of a pipelined conversation clear of every arrow, slants included', () => {
    const ladder = ladderLayout(PIPELINED);
    const held = ladder.arrows.find((a) => a.fullText === 'DATA')!;
    expect(held.y2 - held.y1).toBeGreaterThan(3 * ladder.rowHeight);
    expect(crossings(PIPELINED)).toEqual([]);
    // Nor is one label written over another.
    const boxes = ladder.arrows.map((a) => a.label);
    const overlaps = boxes.flatMap((a, i) =>
      boxes.slice(i + 1).filter((b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height),
    );
    expect(overlaps).toEqual([]);
  });

  it('keeps the labels of a long conversation clear of the arrows, short and cut lines alike', () => {
    const body = Array.from({ length: 300 }, (_, i) => `C: ${i % 7 === 0 ? '' : 'x'.repeat((i * 37) % 140)}`).join('\n');
    const events = wire(`* connected\n${opening('PIPELINING')}\nC: MAIL FROM:<a@b.test>\nS: 250 ok\nC: DATA\nS: 354 go\n${body}\nC: .\nS: 250 queued\nC: QUIT\nS: 221 bye\n* closed`);
    expect(events.length).toBeGreaterThan(300);
    expect(crossings(events)).toEqual([]);
  });

  it('sizes a label box from its text, inside the lifelines', () => {
    const ladder = ladderLayout(PIPELINED);
    const { client, server } = ladder.lifelines;
    for (const arrow of ladder.arrows) {
      expect(arrow.label.width).toBe(Math.max(1, [...(arrow.text || '(empty line)')].length) * 7.5);
      expect(arrow.label.x).toBeGreaterThanOrEqual(client.x);
      expect(arrow.label.x + arrow.label.width).toBeLessThanOrEqual(server.x);
    }
  });

  describe('a ladder that grows line by line', () => {
    /** A long conversation: an outside client's NOOPs, a pipelined batch, a long body, a STARTTLS. */
    function longConversation(noops: number): LadderEvent[] {
      const loop = Array.from({ length: noops }, (_, i) => `C: NOOP ${i}\nS: 250 2.0.0 OK`).join('\n');
      const body = Array.from({ length: 200 }, (_, i) => `C: ${'x'.repeat((i * 37) % 120)}`).join('\n');
      const events = wire(`* connected
        ${opening('PIPELINING', 'STARTTLS')}
        ${loop}
        C: MAIL FROM:<a@b.test>
        C: RCPT TO:<c@d.test>
        C: DATA
        S: 250 ok
        S: 250 ok
        S: 354 go
        ${body}
        C: .
        S: 250 queued
        C: STARTTLS
        S: 220 go ahead
        * tls
        C: EHLO client.test
        S: 250 lab.test
        C: QUIT
        S: 221 bye
        * closed`);
      return tlsFrom(events, events.findIndex((e) => e.info === 'tls'));
    }

    it('lays out only the new line on each update: the work per line stays the same at 3,000 lines', () => {
      const events = longConversation(1_300);
      expect(events.length).toBeGreaterThan(2_800);
      const builder = new LadderBuilder();
      const perLine: Array<{ rows: number; labels: number }> = [];
      for (let n = 1; n <= events.length; n++) {
        const before = builder.work;
        builder.update(events.slice(0, n));
        const after = builder.work;
        perLine.push({ rows: after.rows - before.rows, labels: after.labels - before.labels });
      }
      // One row per new line, and at most its own label (plus a few moved ones), late as early.
      expect(perLine.every((w) => w.rows === 1)).toBe(true);
      expect(Math.max(...perLine.map((w) => w.labels))).toBeLessThanOrEqual(1);
      expect(builder.work.rows).toBe(events.length);
      // The result is the ladder laid out at once.
      expect(builder.update(events)).toEqual(ladderLayout(events));
    });

    it('decides a pipelined batch when its reply comes, and keeps labels clear of lines held and released later', () => {
      const builder = new LadderBuilder();
      let ladder = builder.update([]);
      for (let n = 1; n <= PIPELINED.length; n++) ladder = builder.update(PIPELINED.slice(0, n));
      const whole = ladderLayout(PIPELINED);
      expect(ladder.arrows.map((a) => [a.index, a.batch, a.y1, a.y2])).toEqual(whole.arrows.map((a) => [a.index, a.batch, a.y1, a.y2]));
      expect(crossingsIn(ladder)).toEqual([]);
      // A held line moved only the labels it would have crossed, not the whole drawing again.
      expect(builder.work.labels).toBeLessThan(2 * PIPELINED.length);
    });

    it('starts over when the lines are read again from the start', () => {
      const builder = new LadderBuilder();
      const first = wire(`${opening()}\nC: QUIT\nS: 221 bye`);
      builder.update(first);
      const other = wire(`${opening('PIPELINING')}\nC: NOOP\nS: 250 ok`);
      expect(builder.update(other)).toEqual(ladderLayout(other));
    });
  });
});
