import { describe, expect, it } from 'vitest';
import { wire } from '../machines/test-wire';
import { replayViews } from '../replay/moment';
import { MAX_SHARED_FILE_BYTES, parseSharedConversation } from './shared-conversation';
import { toJson } from './transcript-export';

// A "." after a line ended by a bare LF is content to smtp-server: the message goes on after it.
const EVENTS = wire(`
  * connected
  S: 220 lab.test ESMTP
  C: EHLO client.test
  S: 250 lab.test
  C: MAIL FROM:<a@example.test>
  S: 250 ok
  C: RCPT TO:<b@lab.test>
  S: 250 ok
  C: DATA
  S: 354 go ahead
  L: a line ended by a bare LF
  C: .
  C: still the message
  C: .
  S: 250 queued
  * closed`).map((event) => ({ ...event, conversation: 'c42' }));

describe('a shared conversation file', () => {
  it('opens as the same events, so every view is the one the sharing lab showed', () => {
    const text = toJson(EVENTS);
    const opened = parseSharedConversation(text, text.length);
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    expect(opened.shared.id).toBe('c42');
    expect(opened.shared.events).toEqual(EVENTS);
    const views = replayViews(opened.shared.events);
    expect(views).toEqual(replayViews(EVENTS));
    expect(views.context.lastDelivery?.code).toBe(250);
  });

  it('says what is wrong with a file that is not one', () => {
    const fail = (text: string, bytes = text.length) => {
      const result = parseSharedConversation(text, bytes, 'notes.json');
      return result.ok ? 'opened' : result.error;
    };
    expect(fail('hello')).toBe('notes.json is not JSON: open the file a lab saved with "JSON" under a conversation\'s ladder.');
    expect(fail('{"conversation":"c1"}')).toMatch(/^notes\.json is not a shared SMTP Lab conversation: lines: /);
    expect(fail('{"conversation":"c1","lines":[]}')).toMatch(/lines: The file holds no lines of a conversation\.$/);
    const bad = JSON.parse(toJson(EVENTS));
    bad.lines[3].dir = 'sideways';
    expect(fail(JSON.stringify(bad))).toMatch(/^notes\.json is not a shared SMTP Lab conversation: line 4 \(dir\): /);
    bad.lines[3].dir = 'client';
    bad.lines[5].script = '<img onerror=alert(1)>';
    expect(fail(JSON.stringify(bad))).toMatch(/line 6: /);
  });

  it('refuses a file over the size limit before reading it', () => {
    const text = toJson(EVENTS);
    expect(parseSharedConversation(text, MAX_SHARED_FILE_BYTES).ok).toBe(true);
    const result = parseSharedConversation(text, MAX_SHARED_FILE_BYTES + 1, 'big.json');
    expect(result).toEqual({ ok: false, error: `big.json is ${MAX_SHARED_FILE_BYTES + 1} bytes; a shared conversation may be at most ${MAX_SHARED_FILE_BYTES} bytes.` });
  });
});
