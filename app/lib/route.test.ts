import { describe, expect, it } from 'vitest';
import { formatMessage, formatRoute, parseMessage, parseRoute, type Route } from './route';

describe('addresses', () => {
  it('reads every place and writes it back the same', () => {
    const places: Array<[string, Route]> = [
      ['#/', { view: 'lab', conversation: null }],
      ['#/c/c-12', { view: 'lab', conversation: 'c-12' }],
      ['#/inbox', { view: 'inbox', mailbox: null, message: null }],
      ['#/inbox/alice%40example.test', { view: 'inbox', mailbox: 'alice@example.test', message: null }],
      ['#/inbox/alice%40example.test/m-3', { view: 'inbox', mailbox: 'alice@example.test', message: 'm-3' }],
      ['#/world', { view: 'world' }],
      ['#/serve', { view: 'seat', conversation: null }],
      ['#/serve/c-4', { view: 'seat', conversation: 'c-4' }],
      ['#/lessons', { view: 'lessons', lesson: null, step: null }],
      ['#/lessons/first-transaction', { view: 'lessons', lesson: 'first-transaction', step: null }],
      ['#/lessons/first-transaction/2', { view: 'lessons', lesson: 'first-transaction', step: 2 }],
    ];
    for (const [hash, route] of places) {
      expect(parseRoute(hash), hash).toEqual(route);
      expect(formatRoute(route)).toBe(hash);
    }
  });

  it('opens the lab for an empty or unknown address, and the introduction for a step that is not a number', () => {
    expect(parseRoute('')).toEqual({ view: 'lab', conversation: null });
    expect(parseRoute('#/nowhere/at/all')).toEqual({ view: 'lab', conversation: null });
    expect(parseRoute('#/lessons/hello-server/0')).toEqual({ view: 'lessons', lesson: 'hello-server', step: null });
    expect(parseRoute('#/lessons/hello-server/two')).toEqual({ view: 'lessons', lesson: 'hello-server', step: null });
    // A broken escape is kept as typed rather than throwing.
    expect(parseRoute('#/c/%E0%A4%A')).toEqual({ view: 'lab', conversation: '%E0%A4%A' });
  });

  it('reads the address of a captured message, and nothing else as one', () => {
    expect(parseMessage(formatMessage('m-3 x/y'))).toBe('m-3 x/y');
    expect(formatMessage('m-3')).toBe('#/messages/m-3');
    expect(parseMessage('#/messages/m-3/')).toBe('m-3');
    expect([parseMessage('#/messages'), parseMessage('#/messages/a/b'), parseMessage('#/inbox/a%40b.test/m-3')]).toEqual([null, null, null]);
  });
});
