/**
 * Deliveries: the bridge's own nodemailer sending a composed email into the lab, through a tap
 * (and, in step mode, a gate) to the server of the chosen profile. A delivery ends when both the
 * client has its answer and the connection is closed, so the QUIT a learner still has to release
 * belongs to it too.
 */
import { evictFinished, freshId } from '../lab/bounded-records';
import type net from 'node:net';
import nodemailer from 'nodemailer';
import type { ConnectionProfile, DeliveryAction, DeliverySummary, GateState } from '../../core/protocol/delivery';
import type { LabAccount } from '../../core/smtp/credential-filter';
import type { LabEvents, SendOptions } from '../lab/lab-types';
import { UnknownDeliveryError } from '../lab/lab-types';
import { Gate } from '../tap/gate';
import type { TapEvent } from '../tap/line-tap';
import { composeMessage, connectionSettings, transportOptions } from './compose';
import { describeFailure, WireOutcome } from './outcome';
import type { DeliveryTimeouts } from './timeouts';

/** Deliveries kept for listing; the oldest finished ones are forgotten first. */
export const MAX_DELIVERIES = 100;

/** A connection the lab opened for a delivery: the client's end and a way to drop it. */
export interface DeliveryConnection {
  socket: net.Socket;
  conversation: string;
  /** Destroy both sides of the tap. */
  destroy(): void;
}

export interface DeliveryHost {
  caPem: string;
  accounts: readonly LabAccount[];
  demo: LabAccount;
  timeouts: DeliveryTimeouts;
  /**
   * Connect through a tap (with `gate`, if any) to the profile's server; `onEvent` hears every
   * event the tap records, `onClose` once it is over.
   */
  open(profile: ConnectionProfile, gate: Gate | undefined, onClose: () => void, onEvent: (event: TapEvent) => void): Promise<DeliveryConnection>;
  hasMessage(id: string): boolean;
  emit<E extends keyof LabEvents>(event: E, ...args: Parameters<LabEvents[E]>): void;
}

interface Delivery {
  summary: DeliverySummary;
  gate: Gate | null;
  connection: DeliveryConnection | null;
  /** The conversation's replies, read by the journey machine: they decide the outcome. */
  wire: WireOutcome;
  /** What the client library said went wrong, for a failure that never reached the wire. */
  failure: Pick<DeliverySummary, 'outcome' | 'response' | 'error'> | null;
  settled: boolean;
  closed: boolean;
}

export class Deliveries {
  readonly #host: DeliveryHost;
  readonly #all = new Map<string, Delivery>();

  constructor(host: DeliveryHost) {
    this.#host = host;
  }

  list(): DeliverySummary[] {
    return [...this.#all.values()].map((delivery) => ({ ...delivery.summary }));
  }

  /** Where each stepped delivery still running stands at its gate. */
  gates(): GateState[] {
    const gates: GateState[] = [];
    for (const { summary, gate } of this.#all.values()) if (gate && summary.endedAt === null) gates.push({ delivery: summary.id, ...gate.view });
    return gates;
  }

  async send(compose: unknown, connectionInput: unknown, mode: 'step' | 'instant', options: SendOptions = {}): Promise<DeliverySummary> {
    const mail = composeMessage(compose);
    const settings = connectionSettings(connectionInput);
    const host = this.#host;
    const id = freshId('d', this.#all);
    const gate =
      mode === 'step' ? new Gate(host.accounts, (view) => host.emit('delivery.gate', { delivery: id, ...view } satisfies GateState)) : undefined;
    const summary = blankSummary(id, mode, settings.profile);
    // Only a stepped delivery has hops to step; the relay holds them only when the learner asked.
    if (mode === 'step') summary.stepHops = options.stepHops === true;
    const delivery: Delivery = {
      summary,
      gate: gate ?? null,
      connection: null,
      wire: new WireOutcome(),
      failure: null,
      settled: false,
      closed: false,
    };
    const onClose = () => {
      delivery.closed = true;
      this.#finishIfDone(delivery);
    };
    const connection = await host.open(settings.profile, gate, onClose, (event) => delivery.wire.observe(event));
    delivery.connection = connection;
    delivery.summary.conversation = connection.conversation;
    this.#all.set(id, delivery);
    evictFinished(this.#all, MAX_DELIVERIES, (delivery) => delivery.summary.endedAt !== null);
    host.emit('delivery.started', { ...delivery.summary });
    if (gate) host.emit('delivery.gate', { delivery: id, ...gate.view });

    const transport = nodemailer.createTransport({
      ...transportOptions(settings.profile, settings, { caPem: host.caPem, demo: host.demo, timeouts: host.timeouts }),
      // The already connected socket whose other end is the tap: no port, no DNS.
      getSocket: (_options, callback) => callback(null, { connection: connection.socket }),
    });
    transport
      .sendMail(mail)
      .catch((error: unknown) => {
        delivery.failure = describeFailure(error);
      })
      .finally(() => {
        transport.close();
        delivery.settled = true;
        this.#finishIfDone(delivery);
      });
    return { ...delivery.summary };
  }

  control(id: string, action: DeliveryAction, intervalMs?: number): void {
    const delivery = this.#all.get(id);
    if (!delivery || delivery.summary.endedAt !== null) throw new UnknownDeliveryError(`No delivery ${id} in progress.`);
    const gate = delivery.gate;
    if (action !== 'abort') return gate?.control(action, intervalMs);
    // The 250 already came: the message is in, only the goodbye is cut short.
    if (delivery.wire.verdict('The server')?.outcome !== 'accepted') {
      Object.assign(delivery.summary, { outcome: 'aborted', error: 'Aborted by the learner: the connection was dropped and nothing was stored.' });
    }
    gate?.close();
    delivery.connection?.destroy();
  }

  /** Lab shutdown: drop every delivery still running. */
  close(): void {
    for (const delivery of this.#all.values()) {
      delivery.gate?.close();
      delivery.connection?.destroy();
    }
  }

  #finishIfDone(delivery: Delivery): void {
    if (!delivery.settled || !delivery.closed || delivery.summary.endedAt !== null) return;
    const gate = delivery.gate;
    if (gate) {
      gate.close();
      // The last word on the gate: nothing is held any more, whatever was waiting when it ended.
      this.#host.emit('delivery.gate', { delivery: delivery.summary.id, ...gate.view, held: null, playing: false });
    }
    delivery.summary.endedAt = Date.now();
    if (delivery.summary.outcome !== 'aborted') {
      // The wire decides; the library's error only explains what never got a reply.
      const verdict = delivery.wire.verdict('The server');
      const failure = delivery.failure ?? { outcome: 'failed', response: null, error: 'The connection ended before the server took the message.' };
      Object.assign(delivery.summary, verdict ?? failure);
      if (verdict?.queueId && this.#host.hasMessage(verdict.queueId)) delivery.summary.messageId = verdict.queueId;
    }
    this.#host.emit('delivery.finished', { ...delivery.summary });
  }
}

/** A delivery that has just started: nothing known of its outcome yet. */
export function blankSummary(id: string, mode: 'step' | 'instant', profile: ConnectionProfile): DeliverySummary {
  return {
    id,
    conversation: '',
    mode,
    profile,
    startedAt: Date.now(),
    endedAt: null,
    outcome: null,
    response: null,
    queueId: null,
    messageId: null,
    error: null,
  };
}
