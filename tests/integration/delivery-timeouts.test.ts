/**
 * A delivery left paused must still complete. The real figures (an hour against the libraries'
 * 30 s to 10 min) cannot be waited out in a test, so the configuration is checked as such, and
 * the behaviour with shortened clocks: a pause longer than each timeout ends the delivery the way
 * the library's default would, and the same pause under the lab's settings does not.
 */
import { describe, expect, it } from 'vitest';
import type { DeliveryTimeouts } from '../../bridge/outbound/timeouts';
import { DELIVERY_TIMEOUTS, LIBRARY_DEFAULT_TIMEOUTS } from '../../bridge/outbound/timeouts';
import { transportOptions } from '../../bridge/outbound/compose';
import { form, sleep, Watch } from './delivery-support';
import { startLab } from './smtp-client';

const FIFTEEN_MINUTES = 15 * 60_000;
/** Longer than every shortened timeout below. */
const PAUSE_MS = 700;
const SHORT_MS = 250;

describe('timeouts of a stepped delivery', () => {
  it('are raised past fifteen minutes on both ends, above every library default', () => {
    for (const key of Object.keys(DELIVERY_TIMEOUTS) as Array<keyof DeliveryTimeouts>) {
      expect(DELIVERY_TIMEOUTS[key]).toBeGreaterThan(FIFTEEN_MINUTES);
      expect(LIBRARY_DEFAULT_TIMEOUTS[key]).toBeLessThan(FIFTEEN_MINUTES);
    }
    for (const profile of ['submission', 'smtps', 'plain'] as const) {
      const options = transportOptions(profile, { profile }, { caPem: 'CA', demo: { user: 'u', pass: 'p' }, timeouts: DELIVERY_TIMEOUTS });
      expect(options).toMatchObject({
        connectionTimeout: DELIVERY_TIMEOUTS.connectionMs,
        greetingTimeout: DELIVERY_TIMEOUTS.greetingMs,
        socketTimeout: DELIVERY_TIMEOUTS.socketMs,
      });
    }
  });

  /** Step to the unit that starts with `verb`, wait PAUSE_MS there, then let the rest run. */
  async function pauseAt(timeouts: Partial<DeliveryTimeouts>, verb: string) {
    const { lab, stop } = await startLab({ deliveryTimeouts: timeouts });
    const watch = new Watch(lab);
    try {
      const delivery = await lab.send(form(), { profile: 'submission' }, 'step');
      for (let index = 0; ; index++) {
        const gate = await watch.held(delivery, index);
        if (!gate || gate.held?.lines[0]?.startsWith(verb)) break;
        lab.controlDelivery(delivery.id, 'next');
      }
      await sleep(PAUSE_MS);
      const over = watch.finished.some((done) => done.id === delivery.id);
      if (!over) lab.controlDelivery(delivery.id, 'run');
      return await watch.ended(delivery);
    } finally {
      watch.stop();
      await stop();
    }
  }

  it("smtp-server's idle timeout (60 s by default) would answer 421 to a learner who paused", async () => {
    const done = await pauseAt({ serverSocketMs: SHORT_MS }, 'MAIL');
    expect(done.outcome).toBe('refused');
    expect(done.response).toMatch(/^421 /);
  });

  it("nodemailer's socket timeout (10 min by default) would give up waiting for a reply", async () => {
    const done = await pauseAt({ socketMs: SHORT_MS }, 'MAIL');
    expect(done.outcome).toBe('failed');
    expect(done.error).toMatch(/gave up waiting|timed out|Timeout/i);
  });

  it("nodemailer's connection timeout (2 min by default) would end a pause before STARTTLS", async () => {
    const done = await pauseAt({ connectionMs: SHORT_MS * 2, greetingMs: SHORT_MS * 2 }, 'STARTTLS');
    expect(done.outcome).toBe('failed');
    expect(done.error).toMatch(/TLS handshake timed out/);
  });

  it("with the lab's settings the same pauses do no harm", async () => {
    expect((await pauseAt({}, 'STARTTLS')).outcome).toBe('accepted');
    expect((await pauseAt({}, 'MAIL')).outcome).toBe('accepted');
  });
});
