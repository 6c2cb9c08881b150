import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Conversations } from '../lab/conversations';
import { LabDatabase } from './lab-database';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const line = (i: number) => ({ dir: 'client' as const, text: `line ${i}`, at: i, tls: false });

describe('the lab database', () => {
  it('gives a long conversation back as the page showed it, gap and line numbers included, and keeps on disk only what memory kept', async () => {
    dir = await mkdtemp(join(tmpdir(), 'smtp-lab-db-'));
    const file = join(dir, 'lab.sqlite');
    const database = LabDatabase.open(file);
    const conversations = new Conversations(() => {}, { maxLinesPerConversation: 10 }, () => {}, database.conversations);
    const conversation = conversations.start('external', '127.0.0.1:2000');
    conversation.readFrom({ state: 'data' });
    for (let i = 0; i < 3000; i++) {
      conversations.record(conversation, line(i));
      // Turns of the event loop go by while a long message comes in.
      if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
    }
    conversations.end(conversation);
    const shown = conversation.detail();
    const page = conversation.page({ limit: 3, maxBytes: 10_000 });
    expect(shown.lines.some((l) => l.text.includes('lines not kept'))).toBe(true);
    database.close();

    const reopened = LabDatabase.open(file);
    const again = new Conversations(() => {}, { maxLinesPerConversation: 10 });
    for (const kept of reopened.load().conversations) again.restore(kept);
    reopened.close();
    expect(again.get(conversation.id)?.detail()).toEqual(shown);
    expect(again.get(conversation.id)?.page({ limit: 3, maxBytes: 10_000 })).toEqual(page);
    // Pruned at its end: the first lines and the latest, not the 3,000 that went by.
    const raw = new Database(file, { readonly: true });
    const stored = (raw.prepare('SELECT lines FROM lines').all() as Array<{ lines: string }>).reduce((n, row) => n + (JSON.parse(row.lines) as unknown[]).length, 0);
    raw.close();
    expect(stored).toBeLessThan(300);
  });
});
