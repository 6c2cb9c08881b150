import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { LabDatabase } from './lab-database';
import { migrate, SCHEMA_VERSION } from './schema';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the lab database schema', () => {
  it('opens a database written by the first schema and brings it forward with everything kept', async () => {
    dir = await mkdtemp(join(tmpdir(), 'smtp-lab-schema-'));
    const file = join(dir, 'lab.sqlite');
    // What a lab of schema 1 left behind: a finished conversation and the message it brought.
    const old = new Database(file);
    migrate(old, 1);
    old.prepare("INSERT INTO conversations VALUES ('c1', 'external', '127.0.0.1:5000', 1000, 2000, 'ready')").run();
    old.prepare("INSERT INTO lines VALUES ('c1', 0, 0, ?)").run(JSON.stringify([{ dir: 'server', text: '220 smtp.lab.test ESMTP', at: 1, tls: false }]));
    old.prepare("INSERT INTO messages VALUES ('M1', 'c1', 'a@lab.test', '[\"b@lab.test\"]', 1500, ?)").run(Buffer.from('Subject: old\r\n\r\nkept\r\n'));
    expect(old.pragma('user_version', { simple: true })).toBe(1);
    old.close();

    const database = LabDatabase.open(file);
    const kept = database.load();
    expect(kept.conversations).toEqual([
      { id: 'c1', origin: 'external', peer: '127.0.0.1:5000', startedAt: 1000, endedAt: 2000, state: 'ready', lines: [{ seq: 0, line: { dir: 'server', text: '220 smtp.lab.test ESMTP', at: 1, tls: false } }] },
    ]);
    expect(kept.messages.map((m) => [m.id, m.raw.toString()])).toEqual([['M1', 'Subject: old\r\n\r\nkept\r\n']]);
    // Schema 1 knew no queue: its messages were handed on before it stopped, so none goes again.
    expect(kept.unqueued).toEqual([]);
    expect(kept.world).toEqual({ copies: [], queue: [] });
    expect(kept.clockOffsetMs).toBe(0);
    // Nor the learner's zone: the lab starts on the domain it is given, and keeps it from now on.
    expect(kept.learnerZone).toBeNull();
    // The new tables take writes.
    database.clockMoved(60_000);
    database.zoneChanged({ domain: 'lab-1f.learner.test', records: [{ type: 'TXT', name: '_dmarc.lab-1f.learner.test', value: 'v=DMARC1; p=none' }], mtaSts: null });
    database.close();
    const reopened = new Database(file);
    expect(reopened.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(reopened.prepare('SELECT offset_ms FROM lab_clock').get()).toEqual({ offset_ms: 60_000 });
    expect(reopened.prepare('SELECT domain FROM learner_zone').get()).toEqual({ domain: 'lab-1f.learner.test' });
    reopened.close();
  });

  it('refuses a database from a newer lab instead of reading it wrong', async () => {
    dir = await mkdtemp(join(tmpdir(), 'smtp-lab-schema-'));
    const file = join(dir, 'lab.sqlite');
    const newer = new Database(file);
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    newer.close();
    expect(() => LabDatabase.open(file)).toThrow(/newer SMTP Lab .*--data-dir/);
  });
});
