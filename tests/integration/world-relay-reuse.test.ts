/**
 * The relay reuses its connections as an MTA does: mail for one host within the idle time rides on
 * the connection the first message opened, so a burst costs one TCP and TLS handshake. Every
 * message still has its own hop on the record: its relay.hop names the conversation and the
 * transaction its MAIL FROM begins there, and those lines are there. A new connection to a host
 * resumes the TLS session of the last one. Each limit is a named option, tripped here.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startWorld, clientLines, serverLines, type WorldLab } from './world-harness';

const MESSAGES = 6;
let lab: WorldLab | null = null;
afterEach(async () => {
  await lab?.close();
  lab = null;
});

/** Send `count` messages to bob@example.test one after another, each relayed before the next is sent. */
async function sendEach(world: WorldLab, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await world.submit({ to: ['bob@example.test'], subject: `reuse ${i}` }));
  return ids;
}

const conversationsOf = (world: WorldLab, ids: string[]) => new Set(ids.flatMap((id) => world.eventsOf('relay.hop', id).map((e) => e.conversation)));
const tlsNote = (world: WorldLab, id: string) => world.hopsOf(id)[0]?.events.find((e) => e.info === 'tls')?.text ?? '';

describe('the relay reuses its connection to a host', () => {
  it('carries several messages for one host on one connection, each on the record as its own hop', async () => {
    lab = await startWorld();
    const ids = await sendEach(lab, MESSAGES);
    // One connection, so one greeting, one EHLO and one STARTTLS for them all.
    expect(conversationsOf(lab, ids).size).toBe(1);
    expect(lab.hops.size).toBe(1);
    const [whole] = [...lab.hops.values()];
    expect(serverLines(whole!).filter((line) => line.startsWith('220 mx.example.test'))).toHaveLength(1);
    expect(clientLines(whole!).filter((line) => line === 'STARTTLS')).toHaveLength(1);
    // Each message delivered once.
    const stored = lab.world.mailbox('bob@example.test');
    expect(stored).toHaveLength(MESSAGES);
    for (const [i, id] of ids.entries()) {
      expect(stored.filter((m) => m.raw.includes(`Subject: reuse ${i}\r\n`))).toHaveLength(1);
      const [hop] = lab.eventsOf('relay.hop', id);
      // The first opened the connection; each later one says it rode on it, and where its transaction starts.
      expect(hop?.reused).toEqual(i === 0 ? undefined : { transaction: i + 1 });
      // Its own share of the record: its MAIL FROM, RCPT TO, DATA, its message and the 250 that took it.
      const [share] = lab.hopsOf(id);
      const client = clientLines(share!);
      expect(client.filter((line) => line.startsWith('MAIL FROM:'))).toEqual(['MAIL FROM:<learner@lab.test>']);
      expect(client).toContain('RCPT TO:<bob@example.test>');
      expect(client).toContain('DATA');
      expect(client).toContain(`Subject: reuse ${i}`);
      expect(serverLines(share!).filter((line) => /^250 .*queued/i.test(line))).toHaveLength(1);
      // Only the message that opened the connection has the greeting and the STARTTLS in its share.
      expect(client.includes('STARTTLS')).toBe(i === 0);
    }
  });

  it('says QUIT once the connection has been idle for --relay-idle-ms', async () => {
    lab = await startWorld({}, { relaySessions: { idleMs: 150 } });
    const [id] = await sendEach(lab, 1);
    const [hop] = lab.hops.values();
    expect(clientLines(hop!)).not.toContain('QUIT');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(clientLines(hop!)).toContain('QUIT');
    expect(hop!.closed).toBe(true);
    // The next message needs a new connection.
    const [next] = await sendEach(lab, 1);
    expect(conversationsOf(lab, [id!, next!]).size).toBe(2);
  });

  it('opens a connection per message with --relay-idle-ms 0, and resumes the TLS session of the last one', async () => {
    lab = await startWorld({}, { relaySessions: { idleMs: 0 } });
    const ids = await sendEach(lab, 3);
    expect(conversationsOf(lab, ids).size).toBe(3);
    // The tap's TLS server reports what isSessionReused() says of each handshake.
    expect(tlsNote(lab, ids[0]!)).toMatch(/^TLS established \(TLSv1\.3, [^,]+\)$/);
    expect(tlsNote(lab, ids[1]!)).toMatch(/^TLS established \(TLSv1\.3, .*, session resumed\)$/);
    expect(tlsNote(lab, ids[2]!)).toMatch(/, session resumed\)$/);
  });

  it('carries at most --relay-messages-per-session messages on one connection', async () => {
    lab = await startWorld({}, { relaySessions: { messagesPerSession: 2 } });
    const ids = await sendEach(lab, 5);
    expect(conversationsOf(lab, ids).size).toBe(3);
    expect(lab.world.mailbox('bob@example.test')).toHaveLength(5);
  });

  it('holds at most --relay-sessions-per-host connections to one host, a burst waiting for them', async () => {
    lab = await startWorld({}, { relaySessions: { perHost: 2 } });
    let open = 0;
    let most = 0;
    const counting = setInterval(() => {
      open = [...lab!.hops.values()].filter((h) => !h.closed).length;
      most = Math.max(most, open);
    }, 1);
    try {
      const burst = Array.from({ length: 12 }, (_, i) => lab!.submit({ to: ['bob@example.test'], subject: `burst ${i}` }));
      const ids = await Promise.all(burst);
      expect(lab.world.mailbox('bob@example.test')).toHaveLength(12);
      expect(conversationsOf(lab, ids).size).toBeLessThanOrEqual(2);
      expect(most).toBeLessThanOrEqual(2);
    } finally {
      clearInterval(counting);
    }
  });
});
