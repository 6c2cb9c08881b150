import { afterEach, describe, expect, it } from 'vitest';
import { LabDns, withTxtRecord } from '../../core/world/lab-dns';
import { LAB_WORLD } from '../../core/world/world-definition';
import { checkMessage, createDkimKey, signMessage } from './mail-auth';

const RealDate = Date;
afterEach(() => {
  globalThis.Date = RealDate;
});

/** A clock that moves on by a millisecond each time it is read, starting just before a second turns. */
function clockAtTheEndOfASecond(): void {
  let now = RealDate.UTC(2026, 10, 29, 12, 0, 0, 999);
  class TickingDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length) super(...(args as [number]));
      else super(now++);
    }
    static override now(): number {
      return now++;
    }
  }
  globalThis.Date = TickingDate as DateConstructor;
}

describe('DKIM signing', () => {
  it('makes a signature that verifies even when the clock’s second turns while it signs', async () => {
    const key = createDkimKey('lab.test');
    const dns = new LabDns(withTxtRecord(LAB_WORLD, key.domain, key.record));
    clockAtTheEndOfASecond();
    const signed = await signMessage(key, Buffer.from('From: learner@lab.test\r\nTo: bob@example.test\r\nSubject: hi\r\n\r\nhello\r\n'), () => {});
    globalThis.Date = RealDate;
    expect(signed.toString()).toMatch(/t=1795953600;/);
    const check = await checkMessage(dns, signed, { ip: '192.0.2.10', helo: 'smtp.lab.test', sender: 'learner@lab.test', mta: 'mx.example.test' });
    expect(check.dkim).toBe('pass');
  });
});
