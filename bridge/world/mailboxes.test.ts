import { describe, expect, it } from 'vitest';
import { Mailboxes, type MailboxWriter, type StoredMessage } from './mailboxes';

const copy = (mailbox: string, subject: string) => ({
  mailbox, host: 'mx.example.test', conversation: null, envelopeFrom: 'app@lab.test', envelopeTo: [mailbox],
  receivedAt: Date.now(), outside: false, raw: Buffer.from(`Subject: ${subject}\r\n\r\nHi\r\n`),
});

function recording(): MailboxWriter & { forgottenIds: string[] } {
  const forgottenIds: string[] = [];
  return { forgottenIds, added: (_: StoredMessage) => {}, forgotten: (id) => forgottenIds.push(id) };
}

describe('mailbox chores', () => {
  it('counts a new copy unread until it is marked read, per copy', () => {
    const boxes = new Mailboxes();
    const a = boxes.add(copy('alice@example.test', 'one'));
    boxes.add(copy('alice@example.test', 'two'));
    expect(boxes.list()[0]?.unread).toBe(2);
    expect(boxes.setRead(a.id, true)).toBe(true);
    expect(boxes.list()[0]?.unread).toBe(1);
    expect(boxes.summary(a).unread).toBe(false);
    boxes.setRead(a.id, false);
    expect(boxes.summary(a).unread).toBe(true);
    expect(boxes.setRead('NOPE', true)).toBe(false);
  });

  it('deletes a whole mailbox, and the lab database forgets every copy', () => {
    const writer = recording();
    const boxes = new Mailboxes({}, writer);
    const ids = [boxes.add(copy('bob@example.test', 'one')).id, boxes.add(copy('bob@example.test', 'two')).id];
    const kept = boxes.add(copy('alice@example.test', 'stays'));
    expect(boxes.clear('Bob@example.test').sort()).toEqual([...ids].sort());
    expect(writer.forgottenIds.sort()).toEqual([...ids].sort());
    // Emptied by the learner, the mailbox stays, with nothing in it.
    expect(boxes.list().map((b) => [b.address, b.messages])).toEqual([['bob@example.test', 0], ['alice@example.test', 1]]);
    expect(boxes.find(kept.id)).toBe(kept);
    expect(boxes.bytes).toBeGreaterThan(0);
  });
});
