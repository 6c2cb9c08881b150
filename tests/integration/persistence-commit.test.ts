/**
 * A 250 means the message is on disk: when the lab database cannot commit it, the client hears
 * 451 (try again) and the lab lists nothing it did not keep.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createLab } from '../../bridge/lab/lab';
import { LabDatabase } from '../../bridge/store/lab-database';
import { RawClient } from './smtp-client';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('the 250 after the commit', () => {
  it('hands a message the lab stopped before queuing to the queue when it starts again', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'smtp-lab-commit-'));
    dirs.push(stateDir);
    const dataFile = join(stateDir, 'data', 'lab.sqlite');
    // What a lab killed right after a 250 leaves: the message committed, the queue not yet told.
    const left = LabDatabase.open(dataFile);
    const raw = Buffer.from('From: app@lab.test\r\nTo: dora@lab.test\r\nSubject: after the crash\r\n\r\nStill here.\r\n');
    const handoff = { recipients: [{ address: 'dora@lab.test', notify: null, orcpt: null }], dsn: { ret: null, envid: null }, authenticated: false };
    await left.messages.added({ id: 'AB12CD34EF56', envelope: { conversation: 'c00001', from: 'app@lab.test', to: ['dora@lab.test'] }, receivedAt: Date.now(), raw }, handoff);
    left.close();

    const lab = await createLab({ host: '127.0.0.1', smtpPort: 0, smtpsPort: 0, stateDir, dataFile, log: () => {} });
    try {
      await lab.worldSettled();
      expect(lab.mailbox('dora@lab.test').map((m) => m.subject)).toEqual(['after the crash']);
    } finally {
      await lab.close();
    }
    // Handed over once: the next start does not deliver it again.
    const again = await createLab({ host: '127.0.0.1', smtpPort: 0, smtpsPort: 0, stateDir, dataFile, log: () => {} });
    try {
      await again.worldSettled();
      expect(again.mailbox('dora@lab.test')).toHaveLength(1);
    } finally {
      await again.close();
    }
  });

  it('answers 451 while the database cannot commit, and 250 once it can', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'smtp-lab-commit-'));
    dirs.push(stateDir);
    const dataFile = join(stateDir, 'data', 'lab.sqlite');
    const lab = await createLab({ host: '127.0.0.1', smtpPort: 0, smtpsPort: 0, stateDir, dataFile, log: () => {} });
    try {
      const client = await RawClient.connect(lab.smtpAddress.port);
      await client.reply();
      await client.command('EHLO app.example');
      const send = async (subject: string) => {
        await client.command('MAIL FROM:<app@lab.test>');
        await client.command('RCPT TO:<someone@lab.test>');
        await client.command('DATA');
        return client.command(`Subject: ${subject}\r\n\r\nbody\r\n.`);
      };
      // Another process holds the write lock on the lab's database.
      const other = new Database(dataFile);
      other.exec('BEGIN EXCLUSIVE');
      const refused = await send('not kept');
      other.exec('ROLLBACK');
      other.close();
      expect(refused.code).toBe(451);
      expect(lab.listMessages().filter((m) => m.mailbox === null)).toEqual([]);

      const taken = await send('kept');
      expect(taken.code).toBe(250);
      expect(lab.listMessages().filter((m) => m.mailbox === null).map((m) => m.subject)).toEqual(['kept']);
      await client.command('QUIT');
    } finally {
      await lab.close();
    }
  });
});
