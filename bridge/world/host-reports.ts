/**
 * The reports a lab host writes after its 250, queued at the relay like any other mail: a late
 * bounce for a recipient it accepted and then could not deliver, and the "delivered" report a host
 * that advertises DSN owes a NOTIFY=SUCCESS recipient.
 */
import { wantsFailureReport, type DsnRecipient } from '../../core/world/dsn';
import { REPLIES } from '../../core/world/recipient-policy';
import type { LabClock } from './lab-clock';
import type { LateBounce } from './mail-host';
import type { RelayQueue } from './queue';
import { newQueueId } from './queue-entry';

export interface HostReportDeps {
  clock: LabClock;
  /** How long after accepting a host sends its late bounce (lab clock). */
  lateBounceDelayMs: number;
  sendBounce: RelayQueue['sendBounce'];
}

export class HostReports {
  readonly #deps: HostReportDeps;
  /** Bytes of originals held for a late bounce, until it is queued. */
  #lateBytes = 0;

  constructor(deps: HostReportDeps) {
    this.#deps = deps;
  }

  /** Bytes of mail held for bounces not yet queued: the world may not drop them. */
  get heldBytes(): number {
    return this.#lateBytes;
  }

  lateBounce(bounce: LateBounce): void {
    const wantsBounce = wantsFailureReport(bounce.notify);
    if (!bounce.envelopeFrom || !wantsBounce) return;
    this.#lateBytes += bounce.raw.length;
    this.#deps.clock.schedule(this.#deps.lateBounceDelayMs, () => {
      this.#lateBytes -= bounce.raw.length;
      const diagnostic = `${REPLIES.lateBounce.code} ${REPLIES.lateBounce.enhanced} ${REPLIES.lateBounce.text}`;
      this.#queue(bounce, bounce.ret, { action: 'failed', status: REPLIES.lateBounce.enhanced, diagnostic });
    });
  }

  /** The "delivered" report for a NOTIFY=SUCCESS recipient: headers only. */
  successReport(report: LateBounce): void {
    if (!report.envelopeFrom) return;
    this.#queue(report, 'HDRS', { action: 'delivered', status: '2.0.0', diagnostic: null });
  }

  /** A DSN from the host about one recipient, to the message's sender, as a hop 2 bounce. */
  #queue(about: LateBounce, ret: string | null, outcome: Pick<DsnRecipient, 'action' | 'status' | 'diagnostic'>): void {
    this.#deps.sendBounce({
      reportingMta: { name: about.host.name, address: about.host.address },
      to: about.envelopeFrom,
      original: about.raw,
      queueId: newQueueId(),
      arrivedAt: about.arrivedAt,
      ret,
      envid: about.envid,
      recipients: [{ finalRecipient: about.recipient, originalRecipient: about.orcpt, action: outcome.action, status: outcome.status, remoteMta: null, diagnostic: outcome.diagnostic, lastAttemptDate: null }],
      hop: 2,
      // The host cannot tell who submitted what it reports on: such a report stays in the lab.
      authenticated: false,
    });
  }
}
