/**
 * One relay attempt to a domain's MXes as smtp.lab.test makes it: the domain's MTA-STS policy
 * enforced (an MX it does not name is skipped, TLS must verify), the message signed and perhaps
 * tampered with on its way to each MX, and a connection shared with other mail making the same hop.
 */
import type { TapEvent } from '../../core/wire';
import type { LabDns, MxAnswer, MxCandidate } from '../../core/world/lab-dns';
import type { LearnerZone } from '../../core/world/learner-zone';
import { enforcedPolicy, mtaStsRefusal, mxMatches } from '../../core/world/mta-sts';
import type { WorldEvent } from '../../core/world/world-events';
import type { MtaStsPolicy, WorldDefinition } from '../../core/world/world-types';
import type { LabClock } from './lab-clock';
import type { QueueDeps, QueueEntry } from './queue';
import { relayToDomain, type HostTarget } from './relay-client';
import { messageLines, type RelaySessions } from './relay-sessions';
import type { TlsSessions } from './tls-sessions';

export interface MxRelayDeps {
  /** The world, its DNS and the learner's zone as they are now (a lesson's scenario may change them). */
  dns(): LabDns;
  definition(): WorldDefinition;
  zone(): LearnerZone;
  clock: LabClock;
  emit(event: WorldEvent): void;
  caPem: string;
  /** The hop to one MX: a tapped connection, or the closed port of a host that is down. */
  open(entry: QueueEntry, domain: string, candidate: MxCandidate, observe: (event: TapEvent) => void): Promise<HostTarget>;
  /** The message as it travels to `host`: signed, and tampered with if that host's switch says so. */
  inTransit(entry: QueueEntry, host: string): Promise<Buffer>;
  sessions: RelaySessions;
  tlsSessions: TlsSessions;
  /** A hop the learner steps through: it gets a session of its own, never shared with other mail. */
  exclusive(queueId: string, attempt: number): boolean;
}

export function mxRelay(deps: MxRelayDeps): QueueDeps['relay'] {
  const { clock, emit } = deps;

  /** An MX the policy does not name is never tried (RFC 8461 §4.1); the journey shows it skipped. */
  function listedByPolicy(entry: QueueEntry, domain: string, policy: MtaStsPolicy, host: string): boolean {
    if (policy.mx.some((pattern) => mxMatches(pattern, host))) return true;
    emit({ type: 'relay.unreachable', at: clock.now(), queueId: entry.queueId, attempt: entry.attempts, domain, host, error: mtaStsRefusal(domain, host, 'the policy does not name this MX') });
    return false;
  }

  return (entry, found: MxAnswer, recipients) => {
    const sts = enforcedPolicy(deps.dns(), deps.definition(), found.domain, deps.zone());
    const answer = sts ? { ...found, candidates: found.candidates.filter((c) => listedByPolicy(entry, found.domain, sts, c.exchange)) } : found;
    const unreachable = (c: MxCandidate, error: string) =>
      emit({ type: 'relay.unreachable', at: clock.now(), queueId: entry.queueId, attempt: entry.attempts, domain: answer.domain, host: c.exchange, error: sts ? mtaStsRefusal(answer.domain, c.exchange, `TLS could not be verified: ${error}`) : error });
    return relayToDomain({
      answer,
      recipients,
      // An enforced MTA-STS policy: STARTTLS with a certificate the relay verifies, or no delivery (RFC 8461 §5).
      requireTls: sts !== null,
      envelopeFrom: entry.envelopeFrom,
      raw: (candidate) => deps.inTransit(entry, candidate.exchange),
      dsn: entry.dsn,
      clientName: entry.client.name,
      caPem: deps.caPem,
      open: (candidate, observe) => deps.open(entry, answer.domain, candidate, observe),
      tlsSessions: deps.tlsSessions,
      sessions: {
        pool: deps.sessions,
        // A session is shared only by mail that would make the same hop: same MTA, host, hop number and need for TLS.
        key: (c) => (deps.exclusive(entry.queueId, entry.attempts) ? null : `${entry.client.name} ${entry.client.address} ${entry.hop} ${c.exchange}${sts ? ' sts' : ''}`),
        lines: messageLines(entry.raw),
        onReused: (c, conversation, transaction) =>
          emit({ type: 'relay.hop', at: clock.now(), queueId: entry.queueId, attempt: entry.attempts, hop: entry.hop, domain: answer.domain, host: c.exchange, conversation, reused: { transaction } }),
        onBroken: (c, _conversation, why) =>
          emit({ type: 'relay.unreachable', at: clock.now(), queueId: entry.queueId, attempt: entry.attempts, domain: answer.domain, host: c.exchange, error: `The connection kept open from earlier mail broke before it took this message (${why}); a new connection takes it` }),
      },
      onConnecting: (c) => emit({ type: 'relay.connecting', at: clock.now(), queueId: entry.queueId, attempt: entry.attempts, domain: answer.domain, host: c.exchange, address: c.address, preference: c.preference }),
      onUnreachable: unreachable,
    });
  };
}
