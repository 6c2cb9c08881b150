import { describe, expect, it } from 'vitest';
import { ladderToSvg } from '../../core/export/ladder-svg';
import { ladderLayout } from '../../core/ladder/ladder-layout';
import { JourneyTracker } from '../../core/machines/journey-tracker';
import { wire } from '../../core/machines/test-wire';
import type { Origin, WireEvent } from '../../core/wire';
import type { WorldEvent } from '../../core/world/world-events';
import { conversationEnds } from './ladder-view';

const RELAY = 'smtp.lab.test';
const world: WorldEvent[] = [
  { type: 'queued', at: 0, queueId: 'Q1', kind: 'mail', from: 'learner@lab.test', to: ['alice@example.test'], conversation: 'c1' },
  { type: 'relay.hop', at: 1, queueId: 'Q1', attempt: 1, hop: 1, domain: 'example.test', host: 'mx.example.test', conversation: 'r1' },
];

/** Every event after the handshake travels inside TLS, as the tap flags it. */
function withTls(events: WireEvent[]): WireEvent[] {
  let inside = false;
  return events.map((event) => {
    if (event.info === 'tls') inside = true;
    return { ...event, tls: inside };
  });
}

const starttlsHop = withTls(wire(`
  * connected
  S: 220 mx.example.test ESMTP
  C: EHLO smtp.lab.test
  S: 250-mx.example.test
  S: 250 STARTTLS
  C: STARTTLS
  S: 220 2.0.0 Ready to start TLS
  * tls
  C: EHLO smtp.lab.test
  S: 250 mx.example.test
  C: QUIT
  S: 221 Bye
  * closed
`));

function ends(id: string, origin: Origin, events: WireEvent[], ended = true) {
  const { tls, implicitTls } = JourneyTracker.replay(events).context;
  return conversationEnds({ id, origin, peer: '192.0.2.10:25000', tls, implicitTls, ended }, world, RELAY);
}

describe('conversationEnds', () => {
  it('names a relay hop by its real client and server, and says it ran STARTTLS', () => {
    const hop = ends('r1', 'relay', starttlsHop);
    expect(hop).toMatchObject({ client: RELAY, server: 'mx.example.test', hop: 1, tls: 'starttls' });
    expect(hop.title).toBe('hop 1: smtp.lab.test → mx.example.test, STARTTLS');
  });

  it('says "no TLS" only for a hop whose wire never carried TLS', () => {
    const clear = starttlsHop.filter((e) => !e.tls && !/STARTTLS|220 2\.0\.0/.test(e.text));
    expect(ends('r1', 'relay', clear).tls).toBe('none');
    expect(ends('r1', 'relay', clear).tlsText).toBe('no TLS');
    expect(ends('r1', 'relay', clear.slice(0, 3), false).tlsText).toBe('no TLS so far');
  });

  it('calls TLS from the first byte what it is', () => {
    const implicit = wire('* connected\nS: 220 smtp.lab.test ESMTP').map((e) => ({ ...e, tls: true }));
    expect(ends('c2', 'compose', implicit)).toMatchObject({ tls: 'implicit', tlsText: 'TLS from the first byte', server: RELAY });
  });

  it('keeps the lab server as the server of a terminal session, whatever the world did', () => {
    expect(ends('c1', 'terminal', [])).toMatchObject({ client: 'you (terminal)', server: RELAY, hop: 0 });
  });

  it('names a relay-side wire no hop event names by its record: a middlebox talking to the host', () => {
    const facts = { id: 'box1', origin: 'relay' as const, peer: 'middlebox.on-path.test → mx.stripped.test', tls: false, implicitTls: false, ended: true };
    expect(conversationEnds(facts, world, RELAY)).toMatchObject({ client: 'middlebox.on-path.test', server: 'mx.stripped.test', hop: 0, tls: 'none' });
  });

  it('gives the ladder and its SVG export the same names and TLS state', () => {
    const hop = ends('r1', 'relay', starttlsHop);
    const ladder = ladderLayout(starttlsHop, { clientLabel: hop.client, serverLabel: hop.server });
    const svg = ladderToSvg(ladder, { title: hop.title });
    expect(svg).toContain('>mx.example.test</text>');
    expect(svg).toContain('>smtp.lab.test</text>');
    expect(svg).toContain('<title>hop 1: smtp.lab.test → mx.example.test, STARTTLS</title>');
  });
});
