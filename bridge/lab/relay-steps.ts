/**
 * Relay hops the learner steps through. When a compose delivery is stepped, the hop that carries
 * its mail on to the recipient's MX (and a bounce coming back) is held at a gate too, and shows up
 * in the same deliveries list with `kind: 'relay'`, so the same Next / Play / Pause / Run / Abort
 * controls work for it. The relay's own client is the one talking: the learner only releases it.
 */
import { evictFinished, freshId } from './bounded-records';
import type { DeliveryAction, DeliverySummary, GateState } from '../../core/protocol/delivery';
import type { LabAccount } from '../../core/smtp/credential-filter';
import { blankSummary } from '../outbound/deliveries';
import { WireOutcome } from '../outbound/outcome';
import { Gate } from '../tap/gate';
import type { TapEvent } from '../tap/line-tap';
import type { HopStart } from '../world/world';
import type { Emit } from './conversations';
import { UnknownDeliveryError } from './lab-types';

/** Stepped hops kept for listing; the oldest finished ones are forgotten first. */
export const MAX_RELAY_STEPS = 100;

export interface RelayStepsHost {
  accounts: readonly LabAccount[];
  emit: Emit;
  /** The first mailbox copy this hop's conversation delivered, for a link to it. */
  storedBy(conversation: string): string | null;
}

/** What the tap of one stepped hop needs: the gate to hold lines at, and where to report. */
export interface RelayStep {
  readonly gate: Gate;
  /** Every event of the hop, to read the replies that decide its outcome. */
  observe(event: TapEvent): void;
  /** How to drop the hop when the learner aborts it. */
  attach(destroy: () => void): void;
  closed(): void;
}

interface Entry {
  summary: DeliverySummary;
  gate: Gate;
  destroy: (() => void) | null;
  /** The hop's replies, read by the journey machine: they decide its outcome. */
  wire: WireOutcome;
}

export class RelaySteps {
  readonly #host: RelayStepsHost;
  readonly #all = new Map<string, Entry>();

  constructor(host: RelayStepsHost) {
    this.#host = host;
  }

  /** A gated hop for the stepped delivery `parent`; announced at once, like a compose delivery. */
  start(hop: HopStart, conversation: string, parent: string): RelayStep {
    const id = freshId('r', this.#all);
    const { emit } = this.#host;
    const gate = new Gate(this.#host.accounts, (view) => emit('delivery.gate', { delivery: id, ...view } satisfies GateState));
    const entry: Entry = {
      // MTA to MTA is the port 25 role: no AUTH, STARTTLS when the host offers it.
      summary: { ...blankSummary(id, 'step', 'plain'), conversation, kind: 'relay', hop: hop.hop, parent },
      gate,
      destroy: null,
      wire: new WireOutcome(),
    };
    this.#all.set(id, entry);
    evictFinished(this.#all, MAX_RELAY_STEPS, (entry) => entry.summary.endedAt !== null);
    emit('delivery.started', { ...entry.summary });
    emit('delivery.gate', { delivery: id, ...gate.view });
    return {
      gate,
      observe: (event) => entry.wire.observe(event),
      attach: (destroy) => {
        entry.destroy = destroy;
      },
      closed: () => this.#finish(entry),
    };
  }

  has(id: string): boolean {
    return this.#all.has(id);
  }

  list(): DeliverySummary[] {
    return [...this.#all.values()].map((entry) => ({ ...entry.summary }));
  }

  /** Where each hop still running stands at its gate. */
  gates(): GateState[] {
    const gates: GateState[] = [];
    for (const { summary, gate } of this.#all.values()) if (summary.endedAt === null) gates.push({ delivery: summary.id, ...gate.view });
    return gates;
  }

  control(id: string, action: DeliveryAction, intervalMs?: number): void {
    const entry = this.#all.get(id);
    if (!entry || entry.summary.endedAt !== null) throw new UnknownDeliveryError(`No delivery ${id} in progress.`);
    const { gate } = entry;
    if (action !== 'abort') return gate.control(action, intervalMs);
    if (entry.wire.verdict('The receiving server')?.outcome !== 'accepted') {
      Object.assign(entry.summary, { outcome: 'aborted', error: 'Aborted by the learner: the hop was dropped, so the relay will try again later.' });
    }
    gate.close();
    entry.destroy?.();
  }

  /** Lab shutdown: drop every hop still held. */
  close(): void {
    for (const entry of this.#all.values()) {
      entry.gate.close();
      entry.destroy?.();
    }
  }

  #finish(entry: Entry): void {
    const { summary, gate } = entry;
    if (summary.endedAt !== null) return;
    gate.close();
    this.#host.emit('delivery.gate', { delivery: summary.id, ...gate.view, held: null, playing: false });
    summary.endedAt = Date.now();
    if (summary.outcome !== 'aborted') {
      const verdict = entry.wire.verdict('The receiving server');
      Object.assign(summary, verdict ?? { outcome: 'failed', error: 'The hop ended before the receiving server took the message.' });
      if (verdict?.outcome === 'accepted') summary.messageId = this.#host.storedBy(summary.conversation);
    }
    this.#host.emit('delivery.finished', { ...summary });
  }
}
