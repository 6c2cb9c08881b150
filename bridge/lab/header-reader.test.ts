import { describe, expect, it } from 'vitest';
import { HeaderReader } from './header-reader';
import { headerSummary } from './message-headers';
import { mailAuthRunsIn, mailAuthWorkersLoaded } from '../world/work-pool';

const plain = Buffer.from('From: Ada <ada@lab.test>\r\nTo: bob@example.test\r\nSubject: hi\r\nDate: Fri, 4 Dec 2026 10:00:00 +0000\r\n\r\nbody\r\n');
/** A From: of 45,000 addresses, folded: about 400 KB, of which the list reads 256 KB (tens of ms here). */
const hostile = (n: number) => Buffer.from(`Subject: hostile ${n}\r\nTo: bob@example.test\r\nFrom: ${Array(45_000).fill('a@b.c').join(',\r\n ')}\r\n\r\nhello\r\n`);

describe('the fields a message list shows', () => {
  it('reads a few header lines at once in this thread, and a header block past the limit in a worker, to the same fields', async () => {
    const reader = new HeaderReader({ inlineBytes: 200, log: () => {} });
    expect(reader.now(plain)).toEqual(headerSummary(plain));

    const over = Buffer.from(`From: Ada <ada@lab.test>\r\nTo: ${'bob@example.test, '.repeat(12)}carol@example.test\r\nSubject: just over\r\n\r\nbody\r\n`);
    expect(over.indexOf('\r\n\r\n')).toBeGreaterThan(200);
    expect(reader.now(over)).toBeNull();
    const read = await reader.read(over);
    expect(read).toEqual(headerSummary(over));
    expect(read.to).toHaveLength(13);
    expect(reader.now(over)).toBe(read);
    expect(mailAuthRunsIn()).toBe('worker');
  });

  it('announces a message once its fields can be had at once: a small one now, a big one when the worker has read it', async () => {
    const reader = new HeaderReader({ log: () => {} });
    const heard: string[] = [];
    reader.whenRead(plain, () => heard.push('plain'));
    expect(heard).toEqual(['plain']);
    const big = hostile(1);
    reader.whenRead(big, () => heard.push('big'));
    expect(heard).toEqual(['plain']);
    await reader.read(big);
    await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toEqual(['plain', 'big']);
    expect(reader.now(big)).toMatchObject({ from: 'a@b.c', subject: 'hostile 1' });
  });

  it('a read past its deadline ends cleanly: empty fields, a line that says why, and other reads answered meanwhile', async () => {
    await mailAuthWorkersLoaded();
    const logs: string[] = [];
    const stuck = new HeaderReader({ deadlineMs: 5, log: (line) => logs.push(line) });
    const other = new HeaderReader({ inlineBytes: 0, log: () => {} });
    const late = stuck.read(hostile(2));
    const meanwhile = other.read(plain);
    expect(await late).toEqual({ from: '', to: [], subject: '', date: null });
    expect(logs).toEqual(['message list: a 256 KB header block was not read within 5 ms; the message is listed without From, To, Subject and Date']);
    expect(await meanwhile).toEqual(headerSummary(plain));
    // The worker that held it was replaced: the next big block is read in full.
    expect(await other.read(hostile(3))).toMatchObject({ from: 'a@b.c', subject: 'hostile 3' });
  });
});
