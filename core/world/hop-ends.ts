/**
 * Who talks to whom on a hop past the submission: the sending MTA and the host it connected to,
 * as the world events tell them. The relay sends the learner's mail; a bounce is sent by the MTA
 * that wrote the report (the relay for a hop that failed, the recipient's host for a late bounce).
 * The hop map, the ladder, its SVG export and the step controls' header all read the names here,
 * so none of them can fall back to the submission server's name for a hop to another host.
 */
import type { WorldEvent } from './world-events';

export interface HopEnds {
  /** The MTA that connects (the SMTP client of this hop). */
  client: string;
  /** The host it connects to (the SMTP server of this hop). */
  server: string;
  /** 1 for the relay's first hop, 2 for a bounce coming back, ... */
  hop: number;
  /** The recipient domain the hop carries mail for. */
  domain: string;
}

/** The MTA that sends the mail queued as `queueId`: the reporting MTA for a DSN, the relay otherwise. */
export function senderOf(queueId: string, events: readonly WorldEvent[], relayName: string): string {
  const report = events.find((e) => e.type === 'bounce' && e.bounceQueueId === queueId);
  return report?.type === 'bounce' ? report.reportingMta : relayName;
}

/** The ends of the relay hop recorded as `conversation`, or null when no world event names it. */
export function relayHopEnds(conversation: string, events: readonly WorldEvent[], relayName: string): HopEnds | null {
  const hop = events.find((e) => e.type === 'relay.hop' && e.conversation === conversation);
  if (hop?.type !== 'relay.hop') return null;
  return { client: senderOf(hop.queueId, events, relayName), server: hop.host, hop: hop.hop, domain: hop.domain };
}
