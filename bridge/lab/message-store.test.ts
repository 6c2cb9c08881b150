import { describe, expect, it } from 'vitest';
import { headerBlock, headerSummary } from './message-headers';
import { MessageStore } from './message-store';

const envelope = { conversation: 'c1', from: 'env@lab.test', to: ['rcpt@example.test'] };

function message(headers: string[], body = 'Hello\r\n'): Buffer {
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body}`);
}

describe('headerSummary', () => {
  it('decodes encoded words in Subject and display names, as the full parse would', () => {
    const raw = message([
      'Received: from x by smtp.lab.test; Sun, 29 Nov 2026 12:00:00 +0000',
      `From: =?UTF-8?B?${Buffer.from('Zoë Ünal').toString('base64')}?= <zoe@lab.test>`,
      'To: "Bob, the builder" <bob@example.test>, =?ISO-8859-1?Q?J=F6rg?= <jorg@example.test>',
      `Subject: =?UTF-8?B?${Buffer.from('Grüße aus dem Labor ✉').toString('base64')}?=`,
      'Date: Sun, 29 Nov 2026 13:14:15 +0100',
    ]);
    expect(headerSummary(raw)).toEqual({
      from: 'Zoë Ünal <zoe@lab.test>',
      to: ['Bob, the builder <bob@example.test>', 'Jörg <jorg@example.test>'],
      subject: 'Grüße aus dem Labor ✉',
      date: '2026-11-29T12:14:15.000Z',
    });
  });

  it('unfolds folded headers and joins adjacent encoded words', () => {
    const raw = message(['From: a@lab.test', 'Subject: =?UTF-8?Q?caf=C3=A9?=', ' =?UTF-8?Q?_au_lait?=', 'To: one@example.test,', '\ttwo@example.test']);
    const summary = headerSummary(raw);
    expect(summary.subject).toBe('café au lait');
    expect(summary.to).toEqual(['one@example.test', 'two@example.test']);
  });

  it('reads raw UTF-8 in headers, groups, and several To headers', () => {
    const raw = message(['From: Jürgen <j@lab.test>', 'To: Team: a@example.test, b@example.test;', 'To: c@example.test', 'Subject: plain ü']);
    expect(headerSummary(raw)).toMatchObject({ from: 'Jürgen <j@lab.test>', to: ['a@example.test', 'b@example.test', 'c@example.test'], subject: 'plain ü' });
  });

  it('stops at the first empty line: a body that looks like headers is not read', () => {
    const raw = message(['From: a@lab.test'], 'Subject: not a header\r\n');
    expect(headerSummary(raw)).toEqual({ from: 'a@lab.test', to: [], subject: '', date: null });
    expect(headerBlock(Buffer.from('Subject: x\n\nSubject: y\n')).toString()).toBe('Subject: x\n');
  });

  it('gives empty fields for junk, a missing or unreadable Date, and a message without a body', () => {
    expect(headerSummary(Buffer.from('just some text a learner typed'))).toEqual({ from: '', to: [], subject: '', date: null });
    expect(headerSummary(Buffer.from('Subject: no body\r\nDate: yesterday-ish\r\n')).date).toBeNull();
    expect(headerSummary(Buffer.from('Subject: no body\r\n')).subject).toBe('no body');
    expect(headerSummary(Buffer.alloc(0)).subject).toBe('');
  });
});

describe('MessageStore', () => {
  it('lists summaries from the headers and keeps the raw source untouched', () => {
    const store = new MessageStore();
    const raw = message(['From: "Ann" <ann@lab.test>', 'To: bob@example.test', 'Subject: =?UTF-8?B?SMOpbGxv?='], '<b>body</b>\r\n');
    const id = MessageStore.newId();
    store.add(id, raw, envelope);
    const summary = store.summary(id);
    expect(summary).toMatchObject({ id, conversation: 'c1', envelopeFrom: 'env@lab.test', from: 'Ann <ann@lab.test>', to: ['bob@example.test'], subject: 'Héllo', size: raw.length });
    expect(store.list()).toEqual([summary]);
    expect(store.raw(id)).toBe(raw);
  });

  it('gives plain summaries, read from the headers only when first asked for and kept', () => {
    const store = new MessageStore();
    store.add('ABC', message(['From: a@lab.test', 'To: b@example.test', 'Subject: hi', 'Date: Sun, 29 Nov 2026 12:00:00 +0000']), envelope);
    const summary = store.summary('ABC');
    expect({ ...summary }).toEqual({
      id: 'ABC',
      conversation: 'c1',
      envelopeFrom: 'env@lab.test',
      envelopeTo: ['rcpt@example.test'],
      from: 'a@lab.test',
      to: ['b@example.test'],
      subject: 'hi',
      date: '2026-11-29T12:00:00.000Z',
      receivedAt: summary?.receivedAt,
      size: summary?.size,
      mailbox: null,
    });
    expect(store.summary('ABC')).toBe(summary);
    expect(store.list()).toEqual([summary]);
    expect(store.summary('nope')).toBeUndefined();
  });

  it('forgets the oldest past its bound', () => {
    const store = new MessageStore(2);
    for (const id of ['A', 'B', 'C']) store.add(id, message([`Subject: ${id}`]), envelope);
    expect(store.list().map((summary) => summary.subject)).toEqual(['B', 'C']);
    expect(store.raw('A')).toBeUndefined();
  });

  it('makes distinct 12-character hex ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => MessageStore.newId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9A-F]{12}$/);
  });
});
