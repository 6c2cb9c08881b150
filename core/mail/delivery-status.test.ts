import { describe, expect, it } from 'vitest';
import { readDeliveryStatus } from './delivery-status';

/** The message/delivery-status part of a bounce (app/lib/message-reading.test.ts reads the whole bounce). */
const report = [
  'Reporting-MTA: dns; mx.lab.test',
  'Arrival-Date: Mon, 1 Jan 2024 10:00:00 +0000',
  '',
  'Final-Recipient: rfc822; nobody@example.test',
  'Action: failed',
  'Status: 5.1.1',
  'Remote-MTA: dns; mx.example.test',
  'Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.test>:',
  '  recipient unknown',
  '',
  'Final-Recipient: rfc822; later@example.test',
  'Action: delayed',
  'Status: 4.4.1',
  '',
].join('\r\n');

describe('the delivery-status part of a bounce', () => {
  const groups = readDeliveryStatus(report);

  it('splits the report into one group about the message and one per recipient', () => {
    expect(groups.map((fields) => fields.map((f) => f.name))).toEqual([
      ['Reporting-MTA', 'Arrival-Date'],
      ['Final-Recipient', 'Action', 'Status', 'Remote-MTA', 'Diagnostic-Code'],
      ['Final-Recipient', 'Action', 'Status'],
    ]);
  });

  it('unfolds a Diagnostic-Code that goes over two lines', () => {
    expect(groups[1]?.find((f) => f.name === 'Diagnostic-Code')?.value).toBe('smtp; 550 5.1.1 <nobody@example.test>: recipient unknown');
  });

  it('says what each field means, and what the action was for each recipient', () => {
    expect(groups[0]?.[0]?.meaning).toBe('The mail server that wrote this report.');
    expect(groups[1]?.find((f) => f.name === 'Action')?.meaning).toMatch(/^failed: .*given up/);
    expect(groups[2]?.find((f) => f.name === 'Action')?.meaning).toMatch(/^delayed: .*keeps trying/);
  });

  it('explains each Status with the enhanced-code catalog, and only Status', () => {
    const failed = groups[1]?.find((f) => f.name === 'Status')?.status;
    expect(failed?.code).toBe('5.1.1');
    expect(failed?.detail).toMatch(/does not exist/);
    expect(groups[2]?.find((f) => f.name === 'Status')?.status?.class).toMatch(/transient/i);
    expect(groups[1]?.find((f) => f.name === 'Action')?.status).toBeNull();
  });

  it('marks a field it does not know instead of guessing', () => {
    expect(readDeliveryStatus('X-Unknown: 1')[0]?.[0]?.meaning).toBe('A field this lab does not explain.');
  });
});
