/**
 * A relay session that has ended leaves nothing of itself behind: once a hop's QUIT is answered
 * and the connection is closed, its sockets (and the tap, TLS sessions and smtp-server connection
 * that hang off them) can be collected. The world used to keep the host's end of every hop in its
 * set of open sockets, because smtp-server removes every listener of a socket at STARTTLS, the
 * world's 'close' listener with them: about 30 KB kept for every session, for as long as the lab ran.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadOrCreateCertificates, type LabCertificates } from '../../bridge/lab/certificates';
import { LINGER_MS, LineTap } from '../../bridge/tap/line-tap';
import { RELAY_IDLE_MS } from '../../bridge/world/relay-sessions';
import { createWorld, type HopTap } from '../../bridge/world/world';
import { settledHeap, sleep } from '../fuzz/guard';

let stateDir: string;
let certificates: LabCertificates;
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'world-release-'));
  certificates = await loadOrCreateCertificates(stateDir);
});
afterAll(() => rm(stateDir, { recursive: true, force: true }));

const mail = (i: number) => ({
  raw: Buffer.from(`From: learner@lab.test\r\nTo: bob@example.test\r\nSubject: release ${i}\r\n\r\nhello ${i}\r\n`),
  envelopeFrom: 'learner@lab.test',
  envelopeTo: ['bob@example.test'],
});

it('keeps no socket of a relay session that has ended, with or without STARTTLS', async () => {
  // Weak references only: the test itself must not be what keeps a session alive.
  const sockets: Array<WeakRef<net.Socket>> = [];
  let hops = 0;
  const tap: HopTap = (_hop, client, server, observe) => {
    sockets.push(new WeakRef(client), new WeakRef(server));
    new LineTap({ client, server, certPem: certificates.certPem, keyPem: certificates.keyPem, caPem: certificates.caPem, onEvent: observe });
    return { conversation: `hop-${++hops}` };
  };
  const world = await createWorld({ certificates, tap });
  try {
    // A burst shares a few sessions; mail that comes one at a time rides on one kept open (idle)
    // between messages, which says QUIT once its idle time is up; a host without STARTTLS keeps
    // its plain socket to the end.
    for (let i = 0; i < 20; i++) world.enqueue(mail(i));
    await world.settled();
    for (let i = 20; i < 26; i++) {
      world.enqueue(mail(i));
      await world.settled();
    }
    world.enqueue({ ...mail(26), envelopeTo: ['carol@nomx.test'] });
    await world.settled();
    expect(world.mailbox('bob@example.test')).toHaveLength(26);
    expect(hops).toBeGreaterThanOrEqual(2);

    // The last QUITs are still on their way, and a tap lets a half-closed hop linger: allow for both.
    const alive = async () => {
      await settledHeap();
      return sockets.filter((socket) => socket.deref() !== undefined).length;
    };
    const deadline = Date.now() + RELAY_IDLE_MS + LINGER_MS + 10_000;
    let left = await alive();
    while (left > 0 && Date.now() < deadline) {
      await sleep(250);
      left = await alive();
    }
    expect(left, `sockets of ended relay sessions still held, of ${sockets.length}`).toBe(0);
  } finally {
    await world.close();
  }
});
