/**
 * A delivery status notification as a whole message (RFC 3464 / RFC 6522): multipart/report with
 * report-type=delivery-status, holding the words for people, the machine-readable status, and the
 * original message (RET=FULL) or only its headers (RET=HDRS).
 */
import { randomBytes } from 'node:crypto';
import { deliveryStatusText, humanReadableText, type DsnReport } from '../../core/world/dsn';
import { headerBlock } from '../lab/message-headers';
import { rfc5322Date } from '../lab/received-header';

/** Returned originals are cut past this size, as real MTAs do, so a bounce never outgrows its cause. */
export const MAX_RETURNED_BYTES = 256 * 1024;

export interface DsnMessage {
  report: DsnReport;
  /** The original envelope sender, who gets the report. */
  to: string;
  original: Buffer;
  /** RET from the original MAIL FROM; absent means the reporting MTA chooses (the lab returns it all). */
  ret: 'FULL' | 'HDRS';
  date: Date;
}

export function buildDsnMessage(dsn: DsnMessage): Buffer {
  const boundary = `=_dsn_${randomBytes(8).toString('hex')}`;
  const { report } = dsn;
  const failed = report.recipients.some((r) => r.action === 'failed');
  const delayed = report.recipients.some((r) => r.action === 'delayed');
  const headers = [
    `From: Mail Delivery System <MAILER-DAEMON@${report.reportingMta}>`,
    `To: <${dsn.to}>`,
    `Subject: ${failed ? 'Undelivered Mail Returned to Sender' : delayed ? 'Delayed Mail (still being retried)' : 'Successful Mail Delivery Report'}`,
    `Date: ${rfc5322Date(dsn.date)}`,
    `Message-ID: <${report.queueId}.${randomBytes(4).toString('hex')}.dsn@${report.reportingMta}>`,
    // RFC 3834: an automatic reply, so no one answers it automatically in turn.
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary="${boundary}"`,
  ];
  const returned = dsn.ret === 'HDRS' || dsn.original.length > MAX_RETURNED_BYTES ? headerBlock(dsn.original) : dsn.original;
  const returnedType = returned === dsn.original ? 'message/rfc822' : 'text/rfc822-headers';
  const parts: Buffer[] = [
    Buffer.from(`${headers.join('\r\n')}\r\n\r\nThis is a MIME-encapsulated message.\r\n\r\n`),
    part(boundary, ['Content-Description: Notification', 'Content-Type: text/plain; charset=utf-8'], Buffer.from(humanReadableText(report))),
    part(boundary, ['Content-Description: Delivery report', 'Content-Type: message/delivery-status'], Buffer.from(deliveryStatusText(report))),
    part(boundary, [`Content-Description: ${failed ? 'Undelivered Message' : 'Message'}${returnedType === 'message/rfc822' ? '' : ' Headers'}`, `Content-Type: ${returnedType}`], returned),
    Buffer.from(`--${boundary}--\r\n`),
  ];
  return Buffer.concat(parts);
}

function part(boundary: string, headers: string[], body: Buffer): Buffer {
  const ending = body.subarray(-2).toString() === '\r\n' ? '' : '\r\n';
  return Buffer.concat([Buffer.from(`--${boundary}\r\n${headers.join('\r\n')}\r\n\r\n`), body, Buffer.from(ending)]);
}
