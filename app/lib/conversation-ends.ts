/**
 * Who spoke on a conversation, and whether it was encrypted: the heading the ladder, its SVG export
 * and the step controls share. Apart from the ladder's own code, which loads with the Ladder tab.
 */
import type { Origin } from '../../core/wire';
import { relayHopEnds } from '../../core/world/hop-ends';
import type { WorldEvent } from '../../core/world/world-events';

/** Who the client is, for the ladder's left lifeline, when it is not an MTA of the lab world. */
function clientLabel(origin: string, peer: string): string {
  if (origin === 'terminal') return 'you (terminal)';
  if (origin === 'compose') return 'nodemailer (Compose)';
  if (origin === 'seat') return `a client of your server (${peer})`;
  return peer ? `outside client ${peer}` : 'outside client';
}

function peerEnds(peer: string): { client: string; server: string; hop?: number } | null {
  const [client, server] = peer.split(' → ');
  return client && server ? { client, server } : null;
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
  // A relay-side wire no hop event names (a middlebox's own connection to a host) is recorded as "client → host".
  const named = facts.origin === 'relay' ? (relayHopEnds(facts.id, world, relayName) ?? peerEnds(facts.peer)) : null;
  const client = named?.client ?? clientLabel(facts.origin, facts.peer);
  // A client of Be the server talks to the learner, whose server is mx.you.test.
  const server = named?.server ?? (facts.origin === 'seat' ? 'you (mx.you.test)' : relayName);
  const tls = facts.implicitTls ? 'implicit' : facts.tls ? 'starttls' : 'none';
  // A session still running may start TLS yet; once it is over, "no TLS" is the whole story.
  const tlsText = tls === 'none' && !facts.ended ? 'no TLS so far' : TLS_TEXT[tls];
  const hop = named?.hop ?? 0;
  return { client, server, hop, tls, tlsText, title: `${hop > 0 ? `hop ${hop}: ` : ''}${client} → ${server}, ${tlsText}` };
}
