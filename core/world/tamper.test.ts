import { describe, expect, it } from 'vitest';
import { tamperInTransit } from './tamper';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (raw: Uint8Array) => new TextDecoder().decode(raw);
const SIGNED = [
  'DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=lab.test; s=lab;',
  ' h=From:To:Subject:Date; bh=x; b=y',
  'Received: from lab.test by smtp.lab.test',
  'From: learner@lab.test',
  'Subject: Invoice',
  '',
  '  4711 is due.',
  '',
].join('\r\n');

describe('tamper in transit', () => {
  it('changes one body byte: a digit counts on', () => {
    const changed = tamperInTransit(bytes(SIGNED), 'body');
    expect(text(changed!.raw)).toBe(SIGNED.replace('4711', '5711'));
    expect(changed!.what).toMatch(/^the body "4" became "5" \(byte \d+\)$/);
  });

  it('changes a field named in h= (Subject first), or one it does not name, never the signature', () => {
    expect(text(tamperInTransit(bytes(SIGNED), 'signed-header')!.raw)).toBe(SIGNED.replace('Subject: Invoice', 'Subject: invoice'));
    expect(text(tamperInTransit(bytes(SIGNED), 'unsigned-header')!.raw)).toBe(SIGNED.replace('Received: from', 'Received: From'));
  });

  it('leaves the original bytes alone, and says when there is nothing to change', () => {
    const original = Buffer.from(SIGNED);
    tamperInTransit(original, 'body');
    expect(original.toString()).toBe(SIGNED);
    expect(tamperInTransit(bytes('From: a@lab.test\r\n\r\nHi'), 'signed-header')).toBeNull();
    expect(tamperInTransit(bytes('From: a@lab.test\r\n\r\n...'), 'body')).toBeNull();
  });
});
