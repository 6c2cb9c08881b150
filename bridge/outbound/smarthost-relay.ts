/**
 * The relay hop to the smarthost: the same relay client as every lab hop, through the same kind of
 * tap, so the learner steps through it and reads it like any other. The tap terminates TLS towards
 * the relay with the lab certificate and verifies the smarthost's own certificate on the far side.
 */
import type net from 'node:net';
import type { TapEvent } from '../../core/wire';
import type { MxAnswer } from '../../core/world/lab-dns';
import type { WorldEvent } from '../../core/world/world-events';
import type { LabClock } from '../world/lab-clock';
import type { QueueEntry, QueuedRecipient } from '../world/queue';
import { relayToDomain, type RecipientResult } from '../world/relay-client';
import type { HopStart } from '../world/world';
import { dialSmarthost, isLoopback, type Smarthost } from './smarthost';

export interface SmarthostRelayDeps {
  smarthost: Smarthost;
  /** The lab CA: the relay client talks TLS to the tap, which shows the lab certificate. */
  caPem: string;
  clock: LabClock;
  emit(event: WorldEvent): void;
  /** Put the tap between a new relay-side socket and `upstream`, its events to `observe`; returns the relay's socket. */
  tapped(hop: HopStart, upstream: net.Socket, observe: (event: TapEvent) => void): Promise<{ socket: net.Socket; conversation: string | null }>;
  /** The message as it leaves the lab (signed where the lab signs). */
  outgoing(entry: QueueEntry): Promise<Buffer>;
}

export function smarthostRelay(deps: SmarthostRelayDeps) {
  const { smarthost, clock, emit } = deps;
  return {
    accepts: (domain: string) => smarthost.accepts(domain),
    async deliver(entry: QueueEntry, domain: string, recipients: QueuedRecipient[]): Promise<RecipientResult[]> {
      // The smarthost stands in for the domain's MX: one candidate, the relay's only way out.
      const candidate = { exchange: smarthost.host, preference: 0, address: smarthost.host };
      const answer: MxAnswer = { domain, kind: 'mx', records: [], candidates: [candidate] };
      return relayToDomain({
        answer,
        recipients,
        envelopeFrom: entry.envelopeFrom,
        raw: await deps.outgoing(entry),
        dsn: entry.dsn,
        clientName: entry.client.name,
        caPem: deps.caPem,
        ...(smarthost.login ? { login: smarthost.login } : {}),
        secure: smarthost.secure,
        // A real password crosses a network only inside TLS; on this machine plain SMTP is allowed.
        requireTls: !smarthost.secure && !isLoopback(smarthost.host),
        open: async (_candidate, observe) => {
          const upstream = await dialSmarthost(smarthost);
          const hop: HopStart = {
            queueId: entry.queueId,
            hop: entry.hop,
            attempt: entry.attempts,
            kind: entry.kind,
            domain,
            host: smarthost.host,
            address: `${smarthost.host}:${smarthost.port}`,
            client: entry.client,
            upstream: { implicitTls: smarthost.secure, ...smarthost.tls },
          };
          const { socket, conversation } = await deps.tapped(hop, upstream, observe);
          emit({ type: 'relay.hop', at: clock.now(), queueId: entry.queueId, attempt: entry.attempts, hop: entry.hop, domain, host: smarthost.host, conversation });
          return { socket };
        },
        onConnecting: (c) => emit({ type: 'relay.connecting', at: clock.now(), queueId: entry.queueId, attempt: entry.attempts, domain, host: c.exchange, address: `${smarthost.host}:${smarthost.port}`, preference: 0 }),
        onUnreachable: (c, error) => emit({ type: 'relay.unreachable', at: clock.now(), queueId: entry.queueId, attempt: entry.attempts, domain, host: c.exchange, error }),
      });
    },
  };
}
