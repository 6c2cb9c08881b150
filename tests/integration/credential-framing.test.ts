/**
 * Whether a line is a credential is decided by what the server is waiting for, never by how the
 * bytes arrived: the same bytes, written all at once, one byte at a time or in random pieces, are
 * recorded the same way, and a real password never reaches the record in any of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../bridge/lab/lab-types';
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

const b64 = (text: string) => Buffer.from(text).toString('base64');
const REAL_PLAIN = b64('\0someone@corp.test\0correct horse battery staple');
const REAL_USER = b64('someone@corp.test');
const REAL_PASS = b64('correct horse battery staple');
const LAB_PLAIN = b64('\0learner\0learner');

/** The same bytes cut every way: whole, byte by byte, and three seeded random cuttings. */
function splits(bytes: Buffer): Array<{ name: string; pieces: Buffer[] }> {
  const out = [
    { name: 'all at once', pieces: [bytes] },
    { name: 'one byte at a time', pieces: [...bytes].map((byte) => Buffer.from([byte])) },
  ];
  for (const seed of [1, 2, 3]) {
    const { next } = mulberry32(seed);
    const pieces: Buffer[] = [];
    for (let at = 0; at < bytes.length; ) {
      const size = 1 + Math.floor(next() * 12);
      pieces.push(bytes.subarray(at, at + size));
      at += size;
    }
    out.push({ name: `random cuts (seed ${seed})`, pieces });
  }
  return out;
}

const SCRIPTS = [
  { name: 'AUTH PLAIN, then the credential in the same write', text: `AUTH PLAIN\r\n${REAL_PLAIN}\r\n`, replies: [334, 535], secrets: [REAL_PLAIN] },
  { name: 'AUTH LOGIN, user and password in one write', text: `AUTH LOGIN\r\n${REAL_USER}\r\n${REAL_PASS}\r\n`, replies: [334, 334, 535], secrets: [REAL_USER, REAL_PASS] },
  { name: 'a refused BDAT before AUTH PLAIN', text: `BDAT 500\r\nAUTH PLAIN ${REAL_PLAIN}\r\n`, replies: [500, 535], secrets: [REAL_PLAIN] },
  { name: 'a refused DATA before AUTH PLAIN', text: `DATA\r\nAUTH PLAIN ${REAL_PLAIN}\r\n`, replies: [503, 535], secrets: [REAL_PLAIN] },
];

let runs = 0;

/** Open a TLS session (AUTH needs it), write the pieces, collect the replies; the conversation's events. */
async function run(pieces: Buffer[], expected: number[]): Promise<{ codes: number[]; lines: WireEvent[]; stored: string }> {
  const name = `split${++runs}.test`;
  const client = await RawClient.connect(lab.smtpAddress.port);
  await client.reply();
  await client.command(`EHLO ${name}`);
  expect((await client.command('STARTTLS')).code).toBe(220);
  await client.startTls(lab.caPem);
  await client.command(`EHLO ${name}`);
  for (const piece of pieces) client.write(piece);
  const codes: number[] = [];
  for (const _ of expected) codes.push((await client.reply()).code);
  await client.command('QUIT');
  await client.ended;
  const id = events.find((event) => event.text === `EHLO ${name}`)?.conversation;
  await eventually(() => events.some((event) => event.conversation === id && event.info === 'closed'));
  const lines = events.filter((event) => event.conversation === id);
  return { codes, lines, stored: JSON.stringify(id ? lab.getConversation(id) : null) };
}

describe('credentials framed in any way', () => {
  for (const script of SCRIPTS) {
    for (const { name, pieces } of splits(Buffer.from(script.text))) {
      it(`${script.name}: ${name}`, async () => {
        const { codes, lines, stored } = await run(pieces, script.replies);
        expect(codes).toEqual(script.replies);
        const recorded = lines.map((line) => line.text).join('\n');
        for (const secret of script.secrets) {
          expect(recorded).not.toContain(secret);
          expect(stored).not.toContain(secret);
        }
        expect(lines.filter((line) => line.redacted).length).toBeGreaterThan(0);
        // The record still reads as the server did: the session is back at ready, and closed.
        expect(lines.at(-1)?.info).toBe('closed');
      });
    }
  }

  it('shows the lab account, framed any way, and the session that logged in with it', async () => {
    for (const { pieces } of splits(Buffer.from(`AUTH PLAIN\r\n${LAB_PLAIN}\r\nMAIL FROM:<learner@lab.test>\r\n`))) {
      const { codes, lines } = await run(pieces, [334, 235, 250]);
      expect(codes).toEqual([334, 235, 250]);
      const client = lines.filter((line) => line.dir === 'client').map((line) => line.text);
      expect(client).toContain(LAB_PLAIN);
      expect(lines.some((line) => line.redacted)).toBe(false);
    }
  });
});
