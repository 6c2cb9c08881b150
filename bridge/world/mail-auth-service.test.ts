import { describe, expect, it } from 'vitest';
import { withTxtRecord } from '../../core/world/lab-dns';
import { LAB_WORLD } from '../../core/world/world-definition';
import { createDkimKey } from './mail-auth';
import { mailAuthFor, mailAuthRunsIn, terminateMailAuthWorker } from './mail-auth-service';

const message = (n: number) => Buffer.from(`From: learner@lab.test\r\nTo: bob@example.test\r\nSubject: note ${n}\r\n\r\nhello ${n}\r\n`);
const peer = { ip: '192.0.2.10', helo: 'smtp.lab.test', sender: 'learner@lab.test', mta: 'mx.example.test' };

describe('mail authentication in the worker thread', () => {
  it('signs and checks there exactly as in this thread', async () => {
    const key = createDkimKey('lab.test');
    const definition = withTxtRecord(LAB_WORLD, key.domain, key.record);
    const worker = mailAuthFor(definition, () => {});
    const here = mailAuthFor(definition, () => {}, { inProcess: true });
    try {
      const results = await Promise.all(
        [1, 2, 3].map(async (n) => {
          const signed = await worker.sign(key, message(n));
          expect(signed.subarray(signed.indexOf('\r\nFrom:') + 2).equals(message(n))).toBe(true);
          expect(signed.toString()).toMatch(/^DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed\/relaxed; d=lab\.test;\r\n h=Subject: To: From; q=dns\/txt; s=lab;/);
          return { signed, there: await worker.check(signed, peer), here: await here.check(signed, peer) };
        }),
      );
      for (const { there, here: local } of results) {
        expect(there).toMatchObject({ fromDomain: 'lab.test', spf: 'pass', dkim: 'pass', dmarc: 'pass', verdict: 'accepted' });
        expect(there).toEqual(local);
      }
      expect(mailAuthRunsIn()).toBe('worker');
      // A forged From: meets its policy there too.
      const forged = Buffer.from('From: ceo@example.test\r\nTo: bob@example.test\r\nSubject: pay\r\n\r\nnow\r\n');
      const forgedPeer = { ...peer, sender: 'ceo@example.test' };
      expect(await worker.check(forged, forgedPeer)).toEqual(await here.check(forged, forgedPeer));
    } finally {
      worker.close();
    }
  });

  it('a worker that dies leaves nothing unanswered: what it owed, and what follows, is done in this thread', async () => {
    const key = createDkimKey('lab.test');
    const definition = withTxtRecord(LAB_WORLD, key.domain, key.record);
    const auth = mailAuthFor(definition, () => {});
    const here = mailAuthFor(definition, () => {}, { inProcess: true });
    try {
      const signed = await here.sign(key, message(7));
      const expected = await here.check(signed, peer);
      const inFlight = [auth.check(signed, peer), auth.sign(key, message(8))];
      await terminateMailAuthWorker();
      const [check, resigned] = await Promise.all(inFlight);
      expect(check).toEqual(expected);
      expect((await here.check(resigned as Buffer, peer)).dkim).toBe('pass');
      expect(await auth.check(signed, peer)).toEqual(expected);
      expect(mailAuthRunsIn()).toBe('this thread');
    } finally {
      auth.close();
    }
  });
});
