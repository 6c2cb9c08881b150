import { describe, expect, it } from 'vitest';
import type { TapEvent } from './line-tap';
import { WireReader } from './wire-reader';

const REAL = Buffer.from('\0someone@corp.test\0secret').toString('base64');
const LAB = Buffer.from('\0learner\0learner').toString('base64');

/** Feed "C: …" / "S: …" lines, then close; the texts recorded, in the order recorded. */
function record(script: string[]): string[] {
  const reader = new WireReader([{ user: 'learner', pass: 'learner' }]);
  const out: TapEvent[] = [];
  script.forEach((line, at) => out.push(...reader.read({ dir: line.startsWith('C: ') ? 'client' : 'server', text: line.slice(3), at, tls: true })));
  out.push(...reader.read({ dir: 'info', info: 'closed', text: 'closed', at: script.length, tls: true }));
  return out.filter((event) => event.dir !== 'info').map((event) => `${event.dir === 'client' ? 'C' : 'S'}: ${event.text}`);
}

const OPENING = ['S: 220 lab.test', 'C: EHLO a', 'S: 250 lab.test'];

describe('WireReader', () => {
  it('records a line pipelined behind AUTH after the reply that decides how the server read it', () => {
    expect(record([...OPENING, 'C: AUTH PLAIN', `C: ${REAL}`, 'C: NOOP', 'S: 334 ', 'S: 535 no', 'S: 250 ok']).slice(3)).toEqual([
      'C: AUTH PLAIN', 'S: 334 ', 'C: [hidden: not a lab account]', 'S: 535 no', 'C: NOOP', 'S: 250 ok',
    ]);
    // Refused at once: the line behind it was a command, shown as one.
    expect(record([...OPENING, 'C: AUTH CRAM-MD5', 'C: NOOP', 'S: 504 no', 'S: 250 ok']).slice(3)).toEqual(['C: AUTH CRAM-MD5', 'S: 504 no', 'C: NOOP', 'S: 250 ok']);
    expect(record([...OPENING, 'C: AUTH PLAIN', `C: ${LAB}`, 'S: 334 ', 'S: 235 ok']).slice(3)).toEqual(['C: AUTH PLAIN', 'S: 334 ', `C: ${LAB}`, 'S: 235 ok']);
  });

  it('hides what waited behind AUTH when the connection closes first, but not content behind DATA', () => {
    expect(record([...OPENING, 'C: AUTH PLAIN', `C: ${REAL}`])).toContain('C: [hidden: not a lab account]');
    const behindData = record([...OPENING, 'C: MAIL FROM:<a@b>', 'S: 250 ok', 'C: RCPT TO:<c@d>', 'S: 250 ok', 'C: DATA', 'C: half of it', `C: AUTH PLAIN ${REAL}`]);
    expect(behindData).toContain('C: half of it');
    expect(behindData).toContain('C: AUTH PLAIN [hidden: not a lab account]');
  });

  it('holds no more than its limit: past it the oldest line goes on undecided', () => {
    const reader = new WireReader([], 2);
    const feed = (text: string, dir: 'client' | 'server' = 'client') => reader.read({ dir, text, at: 0, tls: true });
    feed('220 lab.test', 'server');
    feed('AUTH PLAIN');
    expect(feed(REAL)).toEqual([]);
    expect(feed('NOOP')).toEqual([]);
    expect(feed('NOOP').map((event) => event.text)).toEqual(['[hidden: not a lab account]']);
  });
});
