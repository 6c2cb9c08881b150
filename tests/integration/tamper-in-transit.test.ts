/**
 * Tamper in transit over real SMTP: with the switch on a world host, mail to it has one byte
 * changed after the relay signed it. The recorded wire carries the changed byte, and the host's
 * DKIM check tells a body byte (the body hash no longer matches) from a signed header field (the
 * signature no longer verifies) and from a field the signature does not cover (still passes).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientLines, startWorld, type WorldLab } from './world-harness';

let lab: WorldLab;
beforeAll(async () => {
  lab = await startWorld();
});
afterAll(() => lab.close());
afterEach(() => lab.world.redefine(null));

const headersOf = (raw: Buffer) => raw.toString('utf8').split('\r\n\r\n')[0]!;
async function sendSigned(subject: string) {
  const queueId = await lab.submit({ to: ['alice@example.test'], subject, text: 'Pay invoice 4711 today.\n' });
  const copy = lab.world.mailbox('alice@example.test').at(-1)!;
  const auth = lab.eventsOf('auth').at(-1)!;
  return { queueId, copy, auth, wire: clientLines(lab.hopsOf(queueId)[0]!) };
}

describe('tamper in transit', () => {
  it('off: DKIM passes, and the wire carries what was signed', async () => {
    const { auth, copy, wire } = await sendSigned('Invoice due');
    expect(auth).toMatchObject({ host: 'mx.example.test', dkim: 'pass' });
    expect(headersOf(copy.raw)).toMatch(/dkim=pass header\.i=@lab\.test/);
    expect(wire).toContain('Subject: Invoice due');
    expect(wire).toContain('Pay invoice 4711 today.');
    expect(lab.world.describe().hosts.find((h) => h.name === 'mx.example.test')?.tamper).toBe('off');
  });

  it('a body byte: the body hash no longer matches, and the wire shows the byte as it travelled', async () => {
    lab.world.setTamper('mx.example.test', 'body');
    expect(lab.world.describe().hosts.find((h) => h.name === 'mx.example.test')?.tamper).toBe('body');
    const { auth, copy, wire } = await sendSigned('Invoice due');
    expect(wire).toContain('pay invoice 4711 today.');
    expect(wire).not.toContain('Pay invoice 4711 today.');
    expect(auth.dkim).not.toBe('pass');
    expect(auth.steps?.dkim?.[0]).toMatchObject({ domain: 'lab.test', bodyHashMatches: false });
    expect(headersOf(copy.raw)).toMatch(/dkim=neutral \(body hash did not verify\) header\.i=@lab\.test/);
  });

  it('a signed header field: the signature no longer verifies, though the body hash matches', async () => {
    lab.world.setTamper('mx.example.test', 'signed-header');
    const { auth, copy, wire } = await sendSigned('Invoice due');
    expect(wire).toContain('Subject: invoice due');
    expect(auth.dkim).toBe('fail');
    expect(auth.steps?.dkim?.[0]).toMatchObject({ domain: 'lab.test', bodyHashMatches: true });
    expect(headersOf(copy.raw)).toMatch(/dkim=fail \(bad signature\) header\.i=@lab\.test/);
    expect(headersOf(copy.raw)).not.toMatch(/body hash did not verify/);
  });

  it('a header field outside h=: DKIM still passes, for it never vouched for that field', async () => {
    lab.world.setTamper('mx.example.test', 'unsigned-header');
    const { auth } = await sendSigned('Invoice due');
    expect(auth.dkim).toBe('pass');
  });

  it('switches only the host it is set on, and a lesson opening puts it back', async () => {
    lab.world.setTamper('mx.example.test', 'body');
    await lab.submit({ to: ['dan@fallback.test'], subject: 'elsewhere', text: 'Untouched.\n' });
    expect(lab.eventsOf('auth').at(-1)).toMatchObject({ host: 'mx2.fallback.test', dkim: 'pass' });
    lab.world.redefine(null);
    expect(lab.world.describe().hosts.every((h) => h.tamper === 'off')).toBe(true);
    expect(() => lab.world.setTamper('mx.nowhere.test', 'body')).toThrow(/not a mail host/);
  });

  it("a lesson's scenario can turn it on for a host", async () => {
    lab.world.redefine({ domains: [], hosts: [{ name: 'mx.example.test', tamper: 'body', behaviour: 'Changes a body byte' }] });
    expect(lab.world.describe().hosts.find((h) => h.name === 'mx.example.test')?.tamper).toBe('body');
    const { auth } = await sendSigned('Scenario');
    expect(auth.steps?.dkim?.[0]).toMatchObject({ bodyHashMatches: false });
  });
});
