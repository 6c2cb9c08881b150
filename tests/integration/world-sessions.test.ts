/**
 * Relay sessions under load: mail queued for the same host while its sessions are busy rides on
 * the next free one. Every message still names the recorded conversation that carried it, and
 * every transaction in that conversation is on the record.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadOrCreateCertificates, type LabCertificates } from '../../bridge/lab/certificates';
import { LineTap, type TapEvent } from '../../bridge/tap/line-tap';
import { RELAY_IDLE_MS, SESSIONS_PER_HOST } from '../../bridge/world/relay-sessions';
import { createWorld, type HopTap } from '../../bridge/world/world';
import type { WorldEvent } from '../../core/world/world-events';

let stateDir: string;
let certificates: LabCertificates;
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'world-sessions-'));
  certificates = await loadOrCreateCertificates(stateDir);
});
afterAll(() => rm(stateDir, { recursive: true, force: true }));

const MESSAGES = 30;

it('a backlog for one host shares a few sessions, each message naming the conversation that carried it', async () => {
  const events: WorldEvent[] = [];
  const lines = new Map<string, TapEvent[]>();
  const tap: HopTap = (_hop, client, server, observe) => {
    const conversation = `hop-${lines.size + 1}`;
    const record: TapEvent[] = [];
    lines.set(conversation, record);
    new LineTap({ client, server, certPem: certificates.certPem, keyPem: certificates.keyPem, caPem: certificates.caPem, onEvent: (e) => (record.push(e), observe(e)) });
    return { conversation };
  };
  const world = await createWorld({ certificates, tap, onEvent: (e) => events.push(e) });
  try {
    const ids = Array.from({ length: MESSAGES }, (_, i) =>
      world.enqueue({ raw: Buffer.from(`From: learner@lab.test\r\nSubject: batch ${i}\r\n\r\nhello ${i}\r\n`), envelopeFrom: 'learner@lab.test', envelopeTo: ['bob@example.test'] }),
    );
    await world.settled();
    const hops = events.filter((e): e is Extract<WorldEvent, { type: 'relay.hop' }> => e.type === 'relay.hop');
    expect(hops.map((h) => h.queueId).sort()).toEqual([...ids].sort());
    const conversations = new Set(hops.map((h) => h.conversation));
    // Fewer sessions than messages, and never more at once than the limit allows.
    expect(conversations.size).toBeLessThan(MESSAGES);
    expect(conversations.size).toBeGreaterThanOrEqual(1);
    expect(lines.size).toBe(conversations.size);
    const stored = world.mailbox('bob@example.test');
    expect(stored).toHaveLength(MESSAGES);
    for (const hop of hops) {
      const subject = `batch ${ids.indexOf(hop.queueId)}`;
      // The copy in the mailbox came in over the conversation its relay.hop names…
      const copy = stored.find((m) => m.raw.includes(`Subject: ${subject}\r\n`));
      expect(copy?.conversation).toBe(hop.conversation);
      // …and that conversation's record holds the message and DKIM/SPF/DMARC were checked on it.
      expect(lines.get(hop.conversation ?? '')?.some((e) => e.text === `Subject: ${subject}`)).toBe(true);
      expect(copy?.raw.toString()).toMatch(/Authentication-Results: mx\.example\.test;.*dkim=pass/s);
    }
    // One transaction after another in a session: MAIL FROM again, each with its 250, one QUIT at the end
    // (said once the session has been idle for its idle time, so it may still be on its way).
    const quit = (record: TapEvent[]) => record.some((e) => e.dir === 'client' && e.text === 'QUIT');
    const deadline = Date.now() + RELAY_IDLE_MS + 2_000;
    while (Date.now() < deadline && ![...lines.values()].every(quit)) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const record of lines.values()) {
      const mails = record.filter((e) => e.dir === 'client' && /^MAIL FROM:/i.test(e.text)).length;
      expect(record.filter((e) => e.dir === 'server' && /^250 .*queued/i.test(e.text))).toHaveLength(mails);
      expect(record.filter((e) => e.dir === 'client' && e.text === 'QUIT')).toHaveLength(1);
    }
    expect(SESSIONS_PER_HOST).toBeLessThan(MESSAGES);
  } finally {
    await world.close();
  }
});
