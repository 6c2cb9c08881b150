/**
 * The views end DATA exactly where smtp-server does: only at CRLF "." CRLF (lib/smtp-stream.js).
 * Message content mixing CRLF, bare LF, bare CR, dots and command-like lines is sent through the
 * lab, the recorded conversation is read back with the app's session tracker, and the messages it
 * says were stored must be the ones smtp-server stored — no more, no fewer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../bridge/lab/lab-types';
import { SessionTracker } from '../../core/machines/session-tracker';
import type { WireEvent } from '../../core/wire';
import { mulberry32 } from '../support/prng';
import { eventually, RawClient, startRecordedLab } from './smtp-client';

let lab: Lab;
let stop: () => Promise<void>;
let events: WireEvent[];

beforeAll(async () => {
  ({ lab, stop, events } = await startRecordedLab());
});
afterAll(() => stop());

const PIECES = ['.', '..', '.x', 'text', 'MAIL FROM:<mallory@evil.test>', 'RCPT TO:<bob@lab.test>', 'DATA', 'QUIT', 'RSET', ''];
const ENDINGS = ['\r\n', '\n', '\r'];

/** A body of random lines and line endings that smtp-server reads as one message. */
function body(next: () => number, subject: string): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)] as T;
  for (;;) {
    let text = `Subject: ${subject}\r\n\r\n`;
    for (let i = 0; i < 30; i++) text += pick(PIECES) + pick(ENDINGS);
    // The one real end of data is the one the test writes; a random one would split the message.
    if (!`${text}\r\n`.includes('\r\n.\r\n') && !text.endsWith('\r')) return `${text}\r\n.\r\n`;
  }
}

describe('DATA framing as smtp-server reads it', () => {
  for (const seed of [7, 8, 9]) {
    it(`the views store exactly the messages smtp-server stored (seed ${seed})`, async () => {
      const { next } = mulberry32(seed);
      const name = `framing${seed}.test`;
      const client = await RawClient.connect(lab.smtpAddress.port);
      await client.reply();
      await client.command(`EHLO ${name}`);
      const sent: string[] = [];
      for (let n = 0; n < 6; n++) {
        expect((await client.command('MAIL FROM:<alice@example.test>')).code).toBe(250);
        expect((await client.command('RCPT TO:<bob@lab.test>')).code).toBe(250);
        expect((await client.command('DATA')).code).toBe(354);
        const subject = `seed ${seed} message ${n}`;
        client.write(body(next, subject));
        expect((await client.reply()).code).toBe(250);
        sent.push(subject);
      }
      await client.command('QUIT');
      await client.ended;
      const id = events.find((event) => event.text === `EHLO ${name}`)?.conversation;
      await eventually(() => events.some((event) => event.conversation === id && event.info === 'closed'));

      const stored = lab.listMessages().filter((message) => message.conversation === id);
      expect(stored.map((message) => message.subject).sort()).toEqual([...sent].sort());

      // The app's reading of the record: every transaction it saw, and what the server said to each.
      const tracker = SessionTracker.replay(events.filter((event) => event.conversation === id));
      const ends = tracker.lines.filter((line) => line.reply?.answers === '.');
      expect(ends.map((line) => line.reply?.reply.code)).toEqual(sent.map(() => 250));
      const queued = ends.map((line) => /queued as (\S+)/.exec(line.reply?.reply.lines.join(' ') ?? '')?.[1]);
      expect(queued.sort()).toEqual(stored.map((message) => message.id).sort());
      const transactions = tracker.lines.filter((line) => line.transition?.to === 'mail');
      expect(transactions).toHaveLength(sent.length);
      expect(tracker.state).toBe('closed');
    });
  }
});
