import { describe, expect, it } from 'vitest';
import { parseSearchQuery, type SearchQuery } from '../../core/search/search-query';
import { Mailboxes } from '../world/mailboxes';
import { FIRST_READS_PER_TURN, searchLab } from './lab-search';

function query(text: string): SearchQuery {
  const parsed = parseSearchQuery(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.query;
}

function filled(count: number): Mailboxes {
  const boxes = new Mailboxes({ messagesPerMailbox: count });
  for (let i = 0; i < count; i++) {
    boxes.add({ mailbox: 'alice@example.test', host: 'mx.example.test', conversation: null, envelopeFrom: 'app@lab.test', envelopeTo: ['alice@example.test'],
      receivedAt: i, outside: false, raw: Buffer.from(`From: app@lab.test\r\nSubject: number ${i}\r\n\r\nbody ${i === 7 ? 'needle' : 'hay'}\r\n`) });
  }
  return boxes;
}

describe('search over the mailboxes', () => {
  it('lets other work run while it reads many copies for the first time, and not once they are read', async () => {
    const boxes = filled(FIRST_READS_PER_TURN * 3);
    let ranBetween = false;
    setImmediate(() => (ranBetween = true));
    expect((await searchLab(query('needle'), boxes, [])).map((m) => m.hit())).toMatchObject([{ kind: 'message', message: { subject: 'number 7' } }]);
    expect(ranBetween).toBe(true);

    ranBetween = false;
    setImmediate(() => (ranBetween = true));
    expect(await searchLab(query('needle'), boxes, [])).toHaveLength(1);
    expect(ranBetween).toBe(false);
  });
});
