/**
 * The text of a delivery status notification (RFC 3464): the human-readable part and the
 * machine-readable message/delivery-status part. The bridge wraps them, with the original
 * message or its headers, into the multipart/report it mails to the sender.
 */

export type DsnAction = 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';

export interface DsnRecipient {
  /** The address the relay tried (Final-Recipient). */
  finalRecipient: string;
  /** ORCPT as the client gave it (e.g. "rfc822;bob@example.test"), if any. */
  originalRecipient: string | null;
  action: DsnAction;
  /** Enhanced status code, e.g. "5.1.1" (RFC 3463). */
  status: string;
  /** The host that gave the answer, when one did. */
  remoteMta: string | null;
  /** The SMTP reply that decided it, as one line, e.g. "550 5.1.1 No such user here", or the relay's own words. */
  diagnostic: string | null;
  /** RFC 5322 date-time of the last attempt. */
  lastAttemptDate: string | null;
}

export interface DsnReport {
  /** The MTA writing the report, e.g. "smtp.lab.test". */
  reportingMta: string;
  /** ENVID from the original MAIL FROM, if any. */
  envelopeId: string | null;
  /** RFC 5322 date-time the message arrived. */
  arrivalDate: string;
  /** Queue id of the original message, for the reader to search logs with. */
  queueId: string;
  recipients: DsnRecipient[];
}

/** The enhanced code in a reply, or one derived from its class (RFC 3463: x.0.0). */
export function statusOfReply(code: number, text: string): string {
  const match = /^\s*([245]\.\d{1,3}\.\d{1,3})\b/.exec(text);
  if (match?.[1]) return match[1];
  const klass = Math.floor(code / 100);
  return klass === 2 || klass === 4 || klass === 5 ? `${klass}.0.0` : '5.0.0';
}

/** The message/delivery-status body: per-message fields, then one block per recipient (RFC 3464 §2). */
export function deliveryStatusText(report: DsnReport): string {
  const perMessage = [
    `Reporting-MTA: dns; ${report.reportingMta}`,
    `X-Lab-Queue-ID: ${report.queueId}`,
    ...(report.envelopeId ? [`Original-Envelope-Id: ${report.envelopeId}`] : []),
    `Arrival-Date: ${report.arrivalDate}`,
  ];
  const blocks = report.recipients.map((recipient) =>
    [
      ...(recipient.originalRecipient ? [`Original-Recipient: ${recipient.originalRecipient}`] : []),
      `Final-Recipient: rfc822; ${recipient.finalRecipient}`,
      `Action: ${recipient.action}`,
      `Status: ${recipient.status}`,
      ...(recipient.remoteMta ? [`Remote-MTA: dns; ${recipient.remoteMta}`] : []),
      ...(recipient.diagnostic ? [`Diagnostic-Code: ${diagnosticType(recipient)}; ${recipient.diagnostic}`] : []),
      ...(recipient.lastAttemptDate ? [`Last-Attempt-Date: ${recipient.lastAttemptDate}`] : []),
    ].join('\r\n'),
  );
  return `${[perMessage.join('\r\n'), ...blocks].join('\r\n\r\n')}\r\n`;
}

/**
 * "smtp" for a reply a remote server gave (RFC 3464 §2.3.6). What the reporting MTA decided itself
 * (a null MX's 556 5.1.10, a host's late bounce, no answer at all) is the lab's own: an X- type.
 */
function diagnosticType(recipient: DsnRecipient): string {
  return recipient.remoteMta && /^[245]\d\d\b/.test(recipient.diagnostic ?? '') ? 'smtp' : 'X-Lab';
}

/** The first part: what happened, in words a person reads before the machine part. */
export function humanReadableText(report: DsnReport): string {
  const failed = report.recipients.filter((r) => r.action === 'failed');
  const delayed = report.recipients.filter((r) => r.action === 'delayed');
  const delivered = report.recipients.filter((r) => r.action === 'delivered');
  const lines = [`This is the mail system at host ${report.reportingMta}.`, ''];
  if (failed.length) {
    lines.push('Your message could not be delivered to one or more recipients.', 'It is attached below.', '');
    for (const r of failed) lines.push(`<${r.finalRecipient}>: ${explain(r)}`);
    lines.push('');
  }
  if (delayed.length) {
    lines.push('Delivery to these recipients is delayed; the mail system keeps trying:', '');
    for (const r of delayed) lines.push(`<${r.finalRecipient}>: ${explain(r)}`);
    lines.push('');
  }
  if (delivered.length) {
    lines.push('Your message was delivered to these recipients, as you asked with NOTIFY=SUCCESS:', '');
    for (const r of delivered) lines.push(`<${r.finalRecipient}>: delivered to the mailbox`);
    lines.push('');
  }
  lines.push('The machine-readable report follows in the next part (message/delivery-status).');
  return `${lines.join('\r\n')}\r\n`;
}

function explain(recipient: DsnRecipient): string {
  if (!recipient.diagnostic) return `status ${recipient.status}`;
  return recipient.remoteMta ? `host ${recipient.remoteMta} said: ${recipient.diagnostic}` : recipient.diagnostic;
}

/**
 * Whether a recipient's NOTIFY asks for a failure report (RFC 3461 §4.1): without NOTIFY, yes;
 * with it, only when it names FAILURE (NEVER stands alone).
 */
export function wantsFailureReport(notify: readonly string[] | null | undefined): boolean {
  return !notify || (notify.includes('FAILURE') && !notify.includes('NEVER'));
}
