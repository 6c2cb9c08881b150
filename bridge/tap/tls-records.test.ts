import { describe, expect, it } from 'vitest';
import { describeRecord, RecordParser } from './tls-records';

function record(type: number, length: number): Buffer {
  const header = Buffer.from([type, 0x03, 0x03, length >> 8, length & 0xff]);
  return Buffer.concat([header, Buffer.alloc(length, 0x41)]);
}

describe('RecordParser', () => {
  it('finds each record header, even when a chunk cuts a header or a payload apart', () => {
    const bytes = Buffer.concat([record(22, 300), record(20, 1), record(23, 53), record(21, 2)]);
    const whole = new RecordParser('client').push(bytes);
    expect(whole).toEqual([
      { from: 'client', type: 'handshake', bytes: 300 },
      { from: 'client', type: 'change-cipher-spec', bytes: 1 },
      { from: 'client', type: 'application-data', bytes: 53 },
      { from: 'client', type: 'alert', bytes: 2 },
    ]);
    const parser = new RecordParser('client');
    const pieces = [];
    for (let at = 0; at < bytes.length; at += 3) pieces.push(...parser.push(bytes.subarray(at, at + 3)));
    expect(pieces).toEqual(whole);
  });

  it('reads the text of a record as nothing but its size', () => {
    expect(describeRecord({ from: 'server', type: 'application-data', bytes: 53 })).toBe('TLS application data, 53 bytes');
    expect(new RecordParser('server').push(record(99, 4))[0]?.type).toBe('unknown');
  });
});
