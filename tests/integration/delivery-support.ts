/**
 * Helpers for delivery tests: a compose form, and a watcher that keeps every event the lab emits
 * about one delivery (its gate states, its wire events, its end).
 */
import type { ComposeForm, DeliverySummary, GateState } from '../../core/protocol/delivery';
import type { WireEvent } from '../../core/wire';
import type { Lab } from '../../bridge/lab/lab-types';
import { eventually } from './smtp-client';

export function form(overrides: Partial<ComposeForm> = {}): ComposeForm {
  return {
    from: 'learner@lab.test',
    to: ['friend@lab.test'],
    cc: [],
    bcc: [],
    subject: 'Hello from the lab',
    text: 'A line of text that should stay inside TLS.',
    attachments: [],
    ...overrides,
  };
}

export class Watch {
  readonly gates: GateState[] = [];
  readonly wire: WireEvent[] = [];
  readonly finished: DeliverySummary[] = [];
  readonly #lab: Lab;
  readonly #off: Array<() => void> = [];

  constructor(lab: Lab) {
    this.#lab = lab;
    const onGate = (gate: GateState) => this.gates.push(gate);
    const onWire = (event: WireEvent) => this.wire.push(event);
    const onFinished = (delivery: DeliverySummary) => this.finished.push(delivery);
    lab.on('delivery.gate', onGate);
    lab.on('wire', onWire);
    lab.on('delivery.finished', onFinished);
    this.#off.push(
      () => lab.off('delivery.gate', onGate),
      () => lab.off('wire', onWire),
      () => lab.off('delivery.finished', onFinished),
    );
  }

  stop(): void {
    for (const off of this.#off) off();
  }

  lines(delivery: DeliverySummary, dir: 'client' | 'server'): WireEvent[] {
    return this.wire.filter((event) => event.conversation === delivery.conversation && event.dir === dir);
  }

  events(delivery: DeliverySummary): WireEvent[] {
    return this.wire.filter((event) => event.conversation === delivery.conversation);
  }

  /** The latest gate state of the delivery. */
  gate(delivery: DeliverySummary): GateState | undefined {
    return this.gates.filter((gate) => gate.delivery === delivery.id).at(-1);
  }

  ended(delivery: DeliverySummary, timeoutMs = 5_000): Promise<DeliverySummary> {
    return eventually(() => this.finished.find((done) => done.id === delivery.id), timeoutMs);
  }

  /** Wait until the gate holds unit number `index`, or the delivery is over (undefined then). */
  async held(delivery: DeliverySummary, index: number): Promise<GateState | undefined> {
    const state = await eventually(() => {
      const gate = this.gate(delivery);
      if (gate?.held?.index === index) return { gate };
      if (this.finished.some((done) => done.id === delivery.id)) return { gate: undefined };
      return null;
    });
    return state.gate;
  }

  /** Press Next on every unit until the delivery ends; returns the units in order. */
  async stepThrough(lab: Lab, delivery: DeliverySummary, check?: (gate: GateState) => Promise<void>): Promise<GateState[]> {
    const seen: GateState[] = [];
    for (let index = 0; ; index++) {
      const gate = await this.held(delivery, index);
      if (!gate) return seen;
      seen.push(gate);
      await check?.(gate);
      lab.controlDelivery(delivery.id, 'next');
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
