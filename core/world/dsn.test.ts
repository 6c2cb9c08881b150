import { describe, expect, it } from 'vitest';
import { deliveryStatusText, humanReadableText, statusOfReply, wantsFailureReport, type DsnReport } from './dsn';

const report: DsnReport = {
  reportingMta: 'smtp.lab.test',
  envelopeId: 'env-1',
  arrivalDate: 'Sun, 29 Nov 2026 12:00:00 +0000',
  queueId: 'Q1',
  recipients: [
    { finalRecipient: 'nobody@example.test', originalRecipient: 'rfc822;nobody@example.test', action: 'failed', status: '5.1.1', remoteMta: 'mx.example.test', diagnostic: '550 5.1.1 No such user here', lastAttemptDate: null },
    { finalRecipient: 'x@fallback.test', originalRecipient: null, action: 'failed', status: '4.4.1', remoteMta: null, diagnostic: 'No answer from any mail host for fallback.test', lastAttemptDate: null },
  ],
};

describe('DSN text', () => {
  it('writes per-message fields, then one block per recipient (RFC 3464 §2)', () => {
    const blocks = deliveryStatusText(report).split('\r\n\r\n');
    expect(blocks[0]).toBe('Reporting-MTA: dns; smtp.lab.test\r\nX-Lab-Queue-ID: Q1\r\nOriginal-Envelope-Id: env-1\r\nArrival-Date: Sun, 29 Nov 2026 12:00:00 +0000');
    expect(blocks[1]).toBe(
      'Original-Recipient: rfc822;nobody@example.test\r\nFinal-Recipient: rfc822; nobody@example.test\r\nAction: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; mx.example.test\r\nDiagnostic-Code: smtp; 550 5.1.1 No such user here',
    );
    expect(blocks[2]).toContain('Diagnostic-Code: X-Lab; No answer from any mail host for fallback.test');
  });

  it('labels a reply code the reporting MTA gave itself (no Remote-MTA) as its own, not as an SMTP reply', () => {
    const nullMx = { ...report, recipients: [{ finalRecipient: 'gina@nullmx.test', originalRecipient: null, action: 'failed' as const, status: '5.1.10', remoteMta: null, diagnostic: '556 5.1.10 Recipient domain publishes a null MX and accepts no mail', lastAttemptDate: null }] };
    expect(deliveryStatusText(nullMx)).toContain('Diagnostic-Code: X-Lab; 556 5.1.10 Recipient domain publishes a null MX');
  });

  it('tells the person which recipients failed and why', () => {
    expect(humanReadableText(report)).toContain('<nobody@example.test>: host mx.example.test said: 550 5.1.1 No such user here');
  });

  it('reads the enhanced code from a reply, or derives one from its class', () => {
    expect(statusOfReply(451, '4.7.1 Greylisted')).toBe('4.7.1');
    expect(statusOfReply(554, 'Transaction failed')).toBe('5.0.0');
  });
});

describe('wantsFailureReport', () => {
  it('reports a failure unless NOTIFY leaves FAILURE out or says NEVER', () => {
    expect([null, ['FAILURE'], ['SUCCESS', 'FAILURE'], ['DELAY'], ['NEVER'], ['SUCCESS']].map((n) => wantsFailureReport(n))).toEqual([true, true, true, false, false, false]);
  });
});
