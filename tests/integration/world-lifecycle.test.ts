/**
 * The world as the lab will hold it: without a recorder of its own it still delivers (through a
 * silent LineTap), and it closes promptly even with a hop in the middle of a slow reply.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadOrCreateCertificates, type LabCertificates } from '../../bridge/lab/certificates';
import { createWorld } from '../../bridge/world/world';
import type { WorldEvent } from '../../core/world/world-events';

let stateDir: string;
let certificates: LabCertificates;
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'world-life-'));
  certificates = await loadOrCreateCertificates(stateDir);
});
afterAll(() => rm(stateDir, { recursive: true, force: true }));

const message = Buffer.from('From: learner@lab.test\r\nSubject: plain world\r\n\r\nhello\r\n');

it('delivers without a tap of the caller, and says so in its events', async () => {
  const events: WorldEvent[] = [];
  const world = await createWorld({ certificates, onEvent: (event) => events.push(event) });
  try {
    const queueId = world.enqueue({ raw: message, envelopeFrom: 'learner@lab.test', envelopeTo: ['carol@example.test'] });
    await world.settled();
    expect(events.find((e) => e.type === 'relay.hop')).toMatchObject({ queueId, conversation: null });
    const [stored] = world.mailbox('carol@example.test');
    expect((await world.summary(stored!)).subject).toBe('plain world');
    expect(world.mailboxes()).toContainEqual(expect.objectContaining({ address: 'carol@example.test', outside: false, messages: 1 }));
    expect(world.queue()).toEqual([]);
  } finally {
    await world.close();
  }
});

it('closes promptly while a hop waits for a slow reply, and keeps the message queued until then', async () => {
  const events: WorldEvent[] = [];
  const world = await createWorld({ certificates, onEvent: (event) => events.push(event), timing: { slowReplyMs: 20_000 } });
  world.enqueue({ raw: message, envelopeFrom: 'learner@lab.test', envelopeTo: ['slow@example.test'] });
  for (let i = 0; i < 200 && !events.some((e) => e.type === 'relay.hop'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(world.queue()).toHaveLength(1);
  const started = Date.now();
  await world.close();
  expect(Date.now() - started).toBeLessThan(2_000);
  expect(world.mailbox('slow@example.test')).toHaveLength(0);
});
