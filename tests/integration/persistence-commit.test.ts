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
import { RawClient } from './smtp-client';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('the 250 after the commit', () => {
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
