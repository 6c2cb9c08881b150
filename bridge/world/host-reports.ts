/**
 * The reports a lab host writes after its 250, queued at the relay like any other mail: a late
 * bounce for a recipient it accepted and then could not deliver, and the "delivered" report a host
 * that advertises DSN owes a NOTIFY=SUCCESS recipient.
 */
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
    const wantsBounce = !bounce.notify || (bounce.notify.includes('FAILURE') && !bounce.notify.includes('NEVER'));
    if (!bounce.envelopeFrom || !wantsBounce) return;
    this.#lateBytes += bounce.raw.length;
    this.#deps.clock.schedule(this.#deps.lateBounceDelayMs, () => {
      this.#lateBytes -= bounce.raw.length;
      const diagnostic = `${REPLIES.lateBounce.code} ${REPLIES.lateBounce.enhanced} ${REPLIES.lateBounce.text}`;
      this.#deps.sendBounce({
        reportingMta: { name: bounce.host.name, address: bounce.host.address },
        to: bounce.envelopeFrom,
        original: bounce.raw,
        queueId: newQueueId(),
        arrivedAt: bounce.arrivedAt,
        ret: bounce.ret,
        envid: bounce.envid,
        recipients: [{ finalRecipient: bounce.recipient, originalRecipient: bounce.orcpt, action: 'failed', status: REPLIES.lateBounce.enhanced, remoteMta: null, diagnostic, lastAttemptDate: null }],
        hop: 2,
        // The host cannot tell who submitted what it bounces: such a bounce stays in the lab.
        authenticated: false,
      });
    });
  }

  /** The "delivered" report for a NOTIFY=SUCCESS recipient: headers only. */
  successReport(report: LateBounce): void {
    if (!report.envelopeFrom) return;
    this.#deps.sendBounce({
      reportingMta: { name: report.host.name, address: report.host.address },
      to: report.envelopeFrom,
      original: report.raw,
      queueId: newQueueId(),
      arrivedAt: report.arrivedAt,
      ret: 'HDRS',
      envid: report.envid,
      recipients: [{ finalRecipient: report.recipient, originalRecipient: report.orcpt, action: 'delivered', status: '2.0.0', remoteMta: null, diagnostic: null, lastAttemptDate: null }],
      hop: 2,
      // Like a late bounce: the host cannot tell who submitted what it reports on, so it stays in the lab.
      authenticated: false,
    });
  }
}
