/**
 * Which whole-path journey the Journey tab shows for the selected conversation: a submission
 * (terminal, compose, an outside client) shows the mail it handed over; a relay hop shows the
 * mail it carried, followed back to the submission when it carried a bounce. So every hop of one
 * email, whichever is selected, shows the same map with itself marked.
 */
import type { JourneyStateName } from '../../core/machines/journey-model';
import {
  journeyPath, queueIdForConversation, rootQueueId,
  type JourneyPath, type PathHop, type PathLookup, type RecipientPath,
} from '../../core/world/journey-path';
import type { WorldEvent } from '../../core/world/world-events';
import { labGiveUpAfterMs, realWorldWaitMs, REAL_WORLD_QUEUE } from '../../core/world/real-world-queue';
import { MAX_DELIVERY_ATTEMPTS, RETRY_BASE_MS } from '../../core/world/lab-queue';

/** What the path needs of a recorded conversation. */
export interface ConversationInfo {
  id: string;
  origin: string;
  journeyState: JourneyStateName;
  queueId: string | null;
}

export function pathFor(
  selected: ConversationInfo | null,
  events: readonly WorldEvent[],
  find: (id: string) => ConversationInfo | null,
  relayName: string,
): JourneyPath | null {
  if (!selected) return null;
  const own = queueIdForConversation(selected.id, events) ?? (selected.origin === 'relay' ? null : selected.queueId);
  if (own === null) {
    // A submission still on its first hop (or refused there): the map shows that hop alone.
    return selected.origin === 'relay' ? null : journeyPath(submissionOf(selected, relayName), events, null);
  }
  const root = rootQueueId(own, events);
  const queued = events.find((e) => e.type === 'queued' && e.queueId === root);
  const submitter = queued?.type === 'queued' && queued.conversation ? find(queued.conversation) : null;
  const submission = submitter ? submissionOf(submitter, relayName) : selected.origin === 'relay' ? null : submissionOf(selected, relayName);
  return journeyPath(submission, events, root);
}

function submissionOf(info: ConversationInfo, relayName: string) {
  return { conversation: info.id, state: info.journeyState, queueId: info.queueId, from: 'client', to: relayName };
}

/** "12:04:59" on the lab clock. */
export function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString('en-GB', { hour12: false });
}

/** "4 min 59 s", "1 h 2 min", "now". */
export function waitFor(ms: number): string {
  if (ms <= 0) return 'now';
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(min / 60)} h${min % 60 ? ` ${min % 60} min` : ''}`;
}

/**
 * Beside a retry in lab time, what a real server would do after the same failed attempt (Postfix's
 * defaults), and how much sooner the lab gives up: its clock keeps the rhythm, not the patience.
 */
export function realWorldRetry(attempt: number): string {
  const days = REAL_WORLD_QUEUE.maximalQueueLifetimeMs / 86_400_000;
  return `a real server would retry in ${waitFor(realWorldWaitMs(attempt))} and keep trying for ${days} days; the lab gives up at try ${MAX_DELIVERY_ATTEMPTS}, ${waitFor(labGiveUpAfterMs(RETRY_BASE_MS, MAX_DELIVERY_ATTEMPTS))} after the first`;
}

/** One row of the hop map, top to bottom in the order the mail went. */
export type MapRow =
  | { kind: 'hop'; key: string; hop: PathHop }
  | { kind: 'dns'; key: string; lookup: PathLookup; text: string }
  | { kind: 'recipient'; key: string; recipient: RecipientPath }
  | { kind: 'bounce'; key: string; queueId: string; to: string };

/** The MX answer in one line, null MX and implicit MX named as such. */
export function describeAnswer(lookup: PathLookup): string {
  const { answer } = lookup;
  if (answer.kind === 'null-mx') return `${answer.domain}: null MX (RFC 7505), the domain takes no mail`;
  if (answer.kind === 'outside') return `${answer.domain}: not a lab domain, kept in an outside mailbox`;
  if (answer.kind === 'implicit') return `${answer.domain}: no MX, implicit MX = the domain's own A record`;
  const records = answer.candidates.map((c) => `${c.preference} ${c.exchange}`).join(', ');
  return `${answer.domain} MX ${records}${lookup.chosen ? `; tries ${lookup.chosen}` : ''}`;
}

export function mapRows(path: JourneyPath, prefix = ''): MapRow[] {
  const rows: MapRow[] = [];
  const first = path.hops.find((h) => h.hop === 0);
  const relay = path.hops.filter((h) => h.hop > 0);
  if (first) rows.push({ kind: 'hop', key: `${prefix}h0`, hop: first });
  // Lookups and relay hops interleave by lab time: each retry looks the MX up again.
  const timed: Array<{ at: number; row: MapRow }> = [
    ...path.lookups.map((lookup, i) => ({ at: lookup.at, row: { kind: 'dns', key: `${prefix}d${i}`, lookup, text: describeAnswer(lookup) } as MapRow })),
    ...relay.map((hop, i) => ({ at: hop.at ?? 0, row: { kind: 'hop', key: `${prefix}h${i + 1}`, hop } as MapRow })),
  ];
  rows.push(...timed.sort((a, b) => a.at - b.at).map((t) => t.row));
  for (const recipient of path.recipients) rows.push({ kind: 'recipient', key: `${prefix}r${recipient.address}`, recipient });
  for (const bounce of path.bounces) {
    rows.push({ kind: 'bounce', key: `${prefix}b${bounce.queueId}`, queueId: bounce.queueId ?? '', to: bounce.recipients[0]?.address ?? '' });
    rows.push(...mapRows(bounce, `${prefix}${bounce.queueId}:`));
  }
  return rows;
}
