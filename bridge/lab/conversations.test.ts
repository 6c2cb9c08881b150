import { describe, expect, it } from 'vitest';
import { WireReader } from '../tap/wire-reader';
import type { TapEvent } from '../tap/line-tap';
import { Conversations, type Emit } from './conversations';

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
});
