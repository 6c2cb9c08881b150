/**
 * The deliveries the bridge is running or has run (compose → nodemailer → gated tap), each with
 * the gate's latest state. The bridge decides everything; this only keeps its latest word so the
 * step controls can read it by conversation.
 */
import type { DeliverySummary, GateState } from '../../core/protocol/delivery';

export class Delivery {
  readonly id: string;
  #summary = $state.raw<DeliverySummary>() as DeliverySummary;
  #gate = $state.raw<GateState | null>(null);

  constructor(summary: DeliverySummary) {
    this.id = summary.id;
    this.#summary = summary;
  }

  get summary(): DeliverySummary {
    return this.#summary;
  }
  get gate(): GateState | null {
    return this.#gate;
  }
  /** The bridge reported an outcome: nothing is held any more and no control applies. */
  get finished(): boolean {
    return this.#summary.outcome !== null || this.#summary.endedAt !== null;
  }

  update(summary: DeliverySummary): void {
    this.#summary = summary;
  }

  setGate(gate: GateState): void {
    this.#gate = gate;
  }
}

export class Deliveries {
  #list = $state.raw<Delivery[]>([]);
  // A gate may overtake its delivery.started (two messages, one socket, but be lenient).
  #earlyGates = new Map<string, GateState>();

  /** Newest first. */
  get list(): Delivery[] {
    return this.#list;
  }

  get(id: string): Delivery | null {
    return this.#list.find((d) => d.id === id) ?? null;
  }

  forConversation(conversationId: string | null): Delivery | null {
    if (conversationId === null) return null;
    return this.#list.find((d) => d.summary.conversation === conversationId) ?? null;
  }

  /** The relay hops of a stepped delivery that are still under way, each with its own gate. */
  hopsOf(parent: string): Delivery[] {
    return this.#list.filter((d) => d.summary.parent === parent && !d.finished);
  }

  /** A fresh `welcome`: the bridge's list replaces ours, with where each running one stands at its gate. */
  reset(summaries: DeliverySummary[], gates: GateState[]): void {
    this.#earlyGates.clear();
    this.#list = summaries.map((s) => new Delivery(s)).sort((a, b) => b.summary.startedAt - a.summary.startedAt);
    for (const gate of gates) this.gate(gate);
  }

  /** delivery.started or delivery.finished. */
  upsert(summary: DeliverySummary): Delivery {
    const existing = this.get(summary.id);
    if (existing) {
      existing.update(summary);
      return existing;
    }
    const delivery = new Delivery(summary);
    const early = this.#earlyGates.get(summary.id);
    if (early) {
      delivery.setGate(early);
      this.#earlyGates.delete(summary.id);
    }
    this.#list = [delivery, ...this.#list];
    return delivery;
  }

  gate(gate: GateState): void {
    const delivery = this.get(gate.delivery);
    if (delivery) delivery.setGate(gate);
    else this.#earlyGates.set(gate.delivery, gate);
  }
}
