/**
 * A hostile message must not hold up anyone's mail: a lab MX checks a header section of at most
 * MAX_AUTH_HEADER_BYTES and refuses a bigger one (552 5.3.4), so the relay bounces it and moves on.
 * The pathological shape is the one that once held the shared authentication worker for 80 s: a
 * From: header of 1.35 MB of addresses, which a quadratic address parser read for minutes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_AUTH_HEADER_BYTES } from '../../core/world/mail-auth-policy';
import { startWorld, type WorldLab } from './world-harness';

let lab: WorldLab;
beforeAll(async () => {
  lab = await startWorld();
});
afterAll(() => lab.close());

/** A message whose From: header alone is about `bytes` long: addresses, comma after comma. */
function hugeFrom(bytes: number, subject: string): string {
  const from = 'a@b.c,'.repeat(Math.ceil(bytes / 6)) + 'ceo@example.test';
  return `From: ${from}\r\nTo: carol@example.test\r\nSubject: ${subject}\r\n\r\nhello\r\n`;
}

/** A message with its header section padded to about `bytes` with harmless fields. */
function paddedHeader(bytes: number, subject: string): string {
  const line = `X-Padding: ${'x'.repeat(70)}\r\n`;
  return `From: learner@lab.test\r\nTo: carol@example.test\r\nSubject: ${subject}\r\n${line.repeat(Math.ceil(bytes / line.length))}\r\nhello\r\n`;
}

/** Milliseconds from now until a message with `subject` is in carol's mailbox. */
async function deliveryTime(send: () => Promise<unknown>, subject: string): Promise<number> {
  const started = performance.now();
  void send();
  while (!lab.world.mailbox('carol@example.test').some((m) => m.raw.includes(`Subject: ${subject}`))) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return performance.now() - started;
}

describe('header limits of the lab MX checks', () => {
  it(`checks a header section up to ${MAX_AUTH_HEADER_BYTES / 1024} KB and refuses a bigger one with 552 5.3.4, which the relay bounces`, async () => {
    const fits = await lab.submit({ to: ['carol@example.test'], raw: paddedHeader(MAX_AUTH_HEADER_BYTES - 2_048, 'fits') });
    expect(lab.eventsOf('recipient', fits).map((e) => e.outcome)).toEqual(['delivered']);
    const delivered = lab.world.mailbox('carol@example.test').at(-1)!.raw.toString();
    expect(delivered).toMatch(/dkim=pass header\.i=@lab\.test/);
    expect(delivered).toMatch(/dmarc=pass/);

    const tooBig = await lab.submit({ to: ['carol@example.test'], raw: paddedHeader(MAX_AUTH_HEADER_BYTES + 2_048, 'too big') });
    const [refused] = lab.eventsOf('recipient', tooBig);
    expect(refused).toMatchObject({ outcome: 'failed', status: '5.3.4', host: 'mx.example.test' });
    expect(refused?.response).toBe('552 5.3.4 Message header over 64 KB: too big to check who sent it');
    expect(lab.eventsOf('bounce', tooBig)).toHaveLength(1);
    expect(lab.world.mailbox('carol@example.test').some((m) => m.raw.includes('Subject: too big'))).toBe(false);
  });

  it('a 1.35 MB From: header is refused at once, and the next message arrives within a second of its usual time', async () => {
    // The first message of a process also starts the authentication workers: not a usual time.
    await lab.submit({ to: ['carol@example.test'], subject: 'warm-up' });
    const usual: number[] = [];
    for (let n = 0; n < 3; n++) usual.push(await deliveryTime(() => lab.submit({ to: ['carol@example.test'], subject: `usual ${n}` }), `usual ${n}`));
    await lab.world.settled();

    const hostile = lab.submit({ from: 'ceo@example.test', to: ['carol@example.test'], raw: hugeFrom(1_350_000, 'hostile') });
    // The next message is sent once the hostile one is on its way to the MX.
    while (!lab.events.some((e) => e.type === 'relay.hop' && e.host === 'mx.example.test' && lab.eventsOf('queued', e.queueId)[0]?.from === 'ceo@example.test')) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const next = await deliveryTime(() => lab.submit({ to: ['carol@example.test'], subject: 'next' }), 'next');
    expect(next).toBeLessThan(Math.max(...usual) + 1_000);

    const hostileId = await hostile;
    expect(lab.eventsOf('recipient', hostileId)[0]).toMatchObject({ outcome: 'failed', status: '5.3.4' });
  }, 30_000);
});
