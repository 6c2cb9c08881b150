import { describe, expect, it } from 'vitest';
import { WireReader } from '../tap/wire-reader';
import type { TapEvent } from '../tap/line-tap';
import { Conversations, type Emit } from './conversations';
import { LabBudget, type DroppedRecord } from './lab-budget';

function registry(limits: { maxConversations?: number; maxLinesPerConversation?: number }) {
  const emitted: string[] = [];
  const emit: Emit = (event, ..._args) => {
    emitted.push(event);
  };
  return { conversations: new Conversations(emit, limits), emitted };
}

describe('Conversations', () => {
  it('takes the session state from the reader of its lines and reports start, lines and end', () => {
    const { conversations, emitted } = registry({});
    const conversation = conversations.start('external', '127.0.0.1:5000');
    expect(conversation.id).toMatch(/^c[0-9a-f]{5}$/);
    // The tap's reader, as a tap uses it.
    const reader = new WireReader();
    conversation.readFrom(reader);
    const record = (event: TapEvent) => reader.read(event).forEach((each) => conversations.record(conversation, each));
    record({ dir: 'server', text: '220 hi', at: 1, tls: false });
    record({ dir: 'client', text: 'EHLO a', at: 2, tls: false });
    record({ dir: 'server', text: '250 ok', at: 3, tls: false });
    expect(conversation.state).toBe('ready');
    record({ dir: 'info', info: 'closed', text: 'closed', at: 4, tls: false });
    conversations.end(conversation);
    conversations.end(conversation); // once only
    expect(emitted).toEqual(['conversation.started', 'wire', 'wire', 'wire', 'wire', 'conversation.ended']);
    expect(conversations.list()[0]).toMatchObject({ state: 'closed', peer: '127.0.0.1:5000', origin: 'external' });
  });

  it('keeps the first and the latest lines of a long conversation, and says how many it left out', () => {
    const { conversations } = registry({ maxLinesPerConversation: 10 });
    const conversation = conversations.start('terminal', 'x');
    for (let i = 0; i < 1000; i++) conversations.record(conversation, { dir: 'client', text: `line ${i}`, at: i, tls: false });
    const texts = conversation.detail().lines.map((line) => line.text);
    expect(texts).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4', '… 990 lines not kept …', 'line 995', 'line 996', 'line 997', 'line 998', 'line 999']);
  });

  it('forgets the oldest finished conversations first, never a live one', () => {
    const { conversations } = registry({ maxConversations: 2 });
    const live = conversations.start('terminal', 'a');
    const done = conversations.start('external', 'b');
    conversations.end(done);
    const newest = conversations.start('external', 'c');
    expect(conversations.list().map((c) => c.id)).toEqual([live.id, newest.id]);
  });

  it('gives its lines in pages by number: the newest, then those before, across the gap', () => {
    const { conversations } = registry({ maxLinesPerConversation: 10 });
    const conversation = conversations.start('terminal', 'x');
    for (let i = 0; i < 1000; i++) conversations.record(conversation, { dir: 'client', text: `line ${i}`, at: i, tls: false });
    const newest = conversation.page({ limit: 3, maxBytes: 1e6 });
    expect(newest.lines.map((l) => l.text)).toEqual(['line 997', 'line 998', 'line 999']);
    expect(newest).toMatchObject({ firstLine: 997, earlier: 8 });
    const before = conversation.page({ limit: 4, maxBytes: 1e6, before: newest.firstLine });
    expect(before.lines.map((l) => l.text)).toEqual(['line 4', '… 990 lines not kept …', 'line 995', 'line 996']);
    expect(before).toMatchObject({ firstLine: 4, earlier: 4 });
    const first = conversation.page({ limit: 10, maxBytes: 1e6, before: before.firstLine });
    expect(first.lines.map((l) => l.text)).toEqual(['line 0', 'line 1', 'line 2', 'line 3']);
    expect(first.earlier).toBe(0);
    // A size cap cuts the page short, but a page always has a line.
    expect(conversation.page({ limit: 10, maxBytes: 1 }).lines.map((l) => l.text)).toEqual(['line 999']);
  });

  it('sheds the middle of a live conversation when the lab is over its budget, keeping both ends', () => {
    const dropped: DroppedRecord[] = [];
    const budget = new LabBudget(256 * 1024, (records) => dropped.push(...records));
    const conversations = new Conversations(() => {}, { maxLinesPerConversation: 5_000 }, () => budget.enforce());
    budget.track(conversations);
    const live = conversations.start('external', 'x');
    const long = 'x'.repeat(4000);
    for (let i = 0; i < 1000; i++) conversations.record(live, { dir: 'client', text: `${i} ${long}`, at: i, tls: false });
    expect(budget.bytes).toBeLessThanOrEqual(256 * 1024);
    expect(conversations.bytes).toBe(live.bytes);
    expect(dropped.every((d) => d.kind === 'lines' && d.id === live.id)).toBe(true);
    const lines = live.detail().lines;
    expect(lines[0]?.text.startsWith('0 ')).toBe(true);
    expect(lines.at(-1)?.text.startsWith('999 ')).toBe(true);
    expect(lines.some((l) => /lines not kept/.test(l.text))).toBe(true);
    // Line numbers still name the same lines after the shedding.
    const newest = live.page({ limit: 1, maxBytes: 1e9 });
    expect(newest.firstLine).toBe(999);
  });

  it('drops whole finished conversations, oldest first, before shedding a live one', () => {
    const dropped: DroppedRecord[] = [];
    const budget = new LabBudget(100 * 1024, (records) => dropped.push(...records));
    const conversations = new Conversations(() => {}, {}, () => budget.enforce());
    budget.track(conversations);
    const line = 'y'.repeat(1000);
    const old = conversations.start('external', 'old');
    for (let i = 0; i < 60; i++) conversations.record(old, { dir: 'client', text: line, at: i, tls: false });
    conversations.end(old);
    const live = conversations.start('external', 'live');
    for (let i = 0; i < 60; i++) conversations.record(live, { dir: 'client', text: line, at: i, tls: false });
    expect(dropped).toEqual([{ kind: 'conversation', id: old.id, bytes: expect.any(Number) }]);
    expect(conversations.get(old.id)).toBeUndefined();
    expect(conversations.get(live.id)).toBe(live);
    expect(budget.bytes).toBeLessThanOrEqual(100 * 1024);
  });
});
