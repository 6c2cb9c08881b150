/**
 * What the relay queue holds: one entry per message, with each recipient's state and last answer,
 * and how an entry is made from what the submission server (or a bounce, or a lesson's scenario)
 * hands over.
 */
import { randomUUID } from 'node:crypto';
import type { QueuedKind } from '../../core/world/world-events';
import type { RecipientResult, RelayRecipient } from './relay-client';

export interface QueuedRecipient extends RelayRecipient {
  state: 'pending' | 'delivered' | 'failed' | 'outside';
  last: RecipientResult | null;
  /** A "delayed" report went out for it (NOTIFY=DELAY asks for one, not one per retry). */
  delayReported?: boolean;
}

export interface QueueEntry {
  queueId: string;
  kind: QueuedKind;
  raw: Buffer;
  envelopeFrom: string;
  recipients: QueuedRecipient[];
  dsn: { ret: string | null; envid: string | null };
  arrivedAt: number;
  /** The conversation that brought it in (the submission), if known. */
  conversation: string | null;
  /** Hop number its relay conversations get: 1 for submitted mail, one more for its bounce. */
  hop: number;
  attempts: number;
  /** The MTA that holds the message: it says EHLO with this name and signs its bounces. */
  client: { name: string; address: string };
  /**
   * Submitted by a client that had logged in (or a bounce of such mail). Only this mail may leave
   * through the smarthost: it sends under the operator's account, so anything else would let any
   * client on port 25 send spoofed mail to the real world.
   */
  authenticated: boolean;
}

export interface EnqueueInput {
  raw: Buffer;
  envelopeFrom: string;
  envelopeTo: Array<string | { address: string; notify?: string[] | null; orcpt?: string | null }>;
  queueId?: string;
  conversation?: string | null;
  dsn?: { ret?: string | null; envid?: string | null };
  kind?: QueuedKind;
  hop?: number;
  client: { name: string; address: string };
  arrivedAt?: number;
  /** The submission session had logged in (default false). */
  authenticated?: boolean;
}

/** A lesson's scenario: a message already tried `attempts` times, each recipient deferred with `last`. */
export interface EarlierDeferral {
  attempts: number;
  last: { response: string; status: string };
}

/** Where a lab keeps its relay queue beyond memory (the lab database); absent: memory only. */
export interface QueueWriter {
  /** An entry arrived or finished an attempt; `retryAt`: when (lab clock) its next attempt is due, null for its first. */
  saved(entry: QueueEntry, retryAt: number | null): void;
  removed(queueId: string): void;
}

export function newQueueId(): string {
  // randomUUID draws from a cached pool of entropy; randomBytes made a system call per message.
  return randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase();
}

/** A new entry, not tried yet, every recipient pending; `now` (lab clock) is its arrival unless the input says. */
export function newQueueEntry(input: EnqueueInput, now: number): QueueEntry {
  return {
    queueId: input.queueId ?? newQueueId(),
    kind: input.kind ?? 'mail',
    raw: input.raw,
    envelopeFrom: input.envelopeFrom,
    recipients: input.envelopeTo.map((to) => {
      const r = typeof to === 'string' ? { address: to } : to;
      return { address: r.address, notify: r.notify ?? null, orcpt: r.orcpt ?? null, state: 'pending', last: null };
    }),
    dsn: { ret: input.dsn?.ret ?? null, envid: input.dsn?.envid ?? null },
    arrivedAt: input.arrivedAt ?? now,
    conversation: input.conversation ?? null,
    hop: input.hop ?? 1,
    attempts: 0,
    client: input.client,
    authenticated: input.authenticated ?? false,
  };
}

/** An entry as if its earlier attempts had been deferred: every recipient still pending, with that answer as its last. */
export function deferredQueueEntry(input: EnqueueInput, now: number, earlier: EarlierDeferral): QueueEntry {
  const entry = { ...newQueueEntry(input, now), attempts: earlier.attempts };
  for (const recipient of entry.recipients) {
    recipient.last = { recipient: recipient.address, outcome: 'deferred', response: earlier.last.response, status: earlier.last.status, host: null };
  }
  return entry;
}
