import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLab } from '../../bridge/lab/lab';
import { RawClient } from './smtp-client';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('lab lifecycle', () => {
  it('closes promptly with clients and a terminal still connected, frees its port, and keeps its CA', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'smtp-lab-life-'));
    dirs.push(stateDir);
    const lab = await createLab({ host: '127.0.0.1', smtpPort: 0, smtpsPort: 0, stateDir, log: () => {} });
    const { port } = lab.smtpAddress;
    expect(lab.info.smtp).toEqual({ host: '127.0.0.1', port });
    expect(lab.info.credentials).toEqual({ user: 'learner', pass: 'learner' });

    const client = await RawClient.connect(port);
    await client.reply();
    await client.command('EHLO still.here');
    const terminal = await lab.openTerminal();
    const started = Date.now();
    await lab.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    await client.ended;
    expect(terminal.closed).toBe(true);
    await expect(
      new Promise((resolve, reject) => net.connect({ host: '127.0.0.1', port }, () => resolve('connected')).once('error', reject)),
    ).rejects.toThrow(/ECONNREFUSED/);

    // The same port and the same CA at the next start: a learner who trusted the CA keeps trusting it.
    const again = await createLab({ host: '127.0.0.1', smtpPort: port, smtpsPort: 0, stateDir, log: () => {} });
    expect(again.smtpAddress.port).toBe(port);
    expect(again.caPem).toBe(lab.caPem);
    await again.close();
  });
});
