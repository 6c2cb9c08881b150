import { describe, expect, it } from 'vitest';
import { opening, wire } from '../machines/test-wire';
import { ladderLayout } from '../ladder/ladder-layout';
import type { WireEvent } from '../wire';
import { escapeXml, ladderToSvg, toJson, toSwaksText } from './transcript-export';

const EVENTS: WireEvent[] = wire(`
  * connected
  ${opening('STARTTLS')}
  C: STARTTLS
  S: 220 go ahead
  * tls
  C: MAIL FROM:<a@b.test>
  S: 250 ok & fine
  * closed`).map((e, i) => (i >= 7 ? { ...e, tls: true } : e));

/**
 * A small well-formedness check: one root <svg>, every start tag closed in order, attribute values
 * quoted, and no raw "<" or stray "&" in text. Enough to catch an unescaped line or a missing </g>.
 */
function assertWellFormedSvg(xml: string): void {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '').trim();
  expect(body.startsWith('<svg ')).toBe(true);
  expect(body.endsWith('</svg>')).toBe(true);
  const stack: string[] = [];
  let roots = 0;
  let i = 0;
  while (i < body.length) {
    const open = body.indexOf('<', i);
    const text = body.slice(i, open === -1 ? body.length : open);
    expect(text, 'text outside the root').toSatisfy((t: string) => stack.length > 0 || t.trim() === '');
    expect(text.replace(/&(lt|gt|amp|quot|apos|#\d+);/g, '')).not.toMatch(/[&<>]/);
    if (open === -1) break;
    const close = body.indexOf('>', open);
    expect(close).toBeGreaterThan(open);
    const tag = body.slice(open + 1, close);
    const name = /^\/?([A-Za-z][\w:-]*)/.exec(tag)?.[1];
    expect(name, `tag <${tag}>`).toBeDefined();
    // Attributes: name="value" pairs with nothing unescaped inside the quotes.
    const attributes = tag.replace(/^\/?[\w:-]+/, '').replace(/\/$/, '');
    expect(attributes.replace(/\s+[\w:-]+="[^"<>]*"/g, '').trim(), `attributes of <${name}>`).toBe('');
    if (tag.startsWith('/')) expect(stack.pop()).toBe(name);
    else if (!tag.endsWith('/')) {
      if (stack.length === 0) roots++;
      stack.push(name!);
    }
    i = close + 1;
  }
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}

describe('toSwaksText', () => {
  const text = toSwaksText(EVENTS);
  const lines = text.trimEnd().split('\n');

  it('marks client, server, info, and the lines inside TLS like swaks', () => {
    expect(lines).toEqual([
      '=== Connected',
      '<- 220 lab.test ESMTP',
      '-> EHLO client.test',
      '<- 250-client.test',
      '<- 250 STARTTLS',
      '-> STARTTLS',
      '<- 220 go ahead',
      '=== TLS started',
      '~> MAIL FROM:<a@b.test>',
      '<~ 250 ok & fine',
      '=== Connection closed',
    ]);
  });

  it('says when a line was cut, leaves TLS records out, and can show times', () => {
    const cut: WireEvent = { conversation: 'c', hop: 0, dir: 'client', text: 'xxxx', cut: 996, at: 1.5, tls: false };
    const record: WireEvent = { conversation: 'c', hop: 0, dir: 'info', info: 'record', text: '', at: 2, tls: true, record: { from: 'client', type: 'handshake', bytes: 9 } };
    expect(toSwaksText([cut, record], { times: true })).toBe('[+1.5 ms] -> xxxx [… 996 more bytes not recorded]\n');
    expect(toSwaksText([])).toBe('');
  });
});

describe('toJson', () => {
  it('keeps every event with its fields, records and sentAt included', () => {
    const events = [...EVENTS, { ...EVENTS[1]!, sentAt: 0.5 }];
    const parsed = JSON.parse(toJson(events)) as { conversation: string; lines: Array<Record<string, unknown>> };
    expect(parsed.conversation).toBe('test');
    expect(parsed.lines).toHaveLength(events.length);
    expect(parsed.lines[8]).toEqual({ dir: 'client', text: 'MAIL FROM:<a@b.test>', at: 8, tls: true, hop: 0 });
    expect(parsed.lines[0]).toMatchObject({ dir: 'info', info: 'connected' });
    expect(parsed.lines.at(-1)?.sentAt).toBe(0.5);
  });
});

describe('ladderToSvg', () => {
  const svg = ladderToSvg(ladderLayout(EVENTS), { title: 'Ann <ann@lab.test> & Bob' });

  it('is a standalone, well-formed SVG document', () => {
    assertWellFormedSvg(svg);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toContain('<style>');
    expect(svg).toContain('<marker id="head-client"');
  });

  it('escapes <, > and & in lines and titles', () => {
    expect(svg).toContain('MAIL FROM:&lt;a@b.test&gt;');
    expect(svg).toContain('250 ok &amp; fine');
    expect(svg).toContain('Ann &lt;ann@lab.test&gt; &amp; Bob');
    expect(svg).not.toContain('<a@b.test>');
    expect(escapeXml(`"it's" <b>&`)).toBe('&quot;it&apos;s&quot; &lt;b&gt;&amp;');
  });

  it('draws one arrow with an arrowhead per line, the TLS band, and time labels', () => {
    const ladder = ladderLayout(EVENTS);
    expect(svg.match(/marker-end="url\(#head-(client|server)\)"/g)).toHaveLength(ladder.arrows.length);
    expect(svg.match(/<rect class="tls"/g)).toHaveLength(1);
    expect(svg).toContain('>+8 ms</text>');
    expect(ladderToSvg(ladder, { times: false })).not.toContain('class="time"');
  });

  it('marks pipelined arrows', () => {
    const ladder = ladderLayout(wire(`${opening('PIPELINING')}\nC: MAIL FROM:<a@b.test>\nC: RCPT TO:<c@d.test>\nS: 250 ok\nS: 250 ok`));
    const out = ladderToSvg(ladder);
    assertWellFormedSvg(out);
    expect(out.match(/class="arrow client pipelined"/g)).toHaveLength(2);
  });
});
