import { describe, expect, it } from 'vitest';
import { withTxtRecord } from '../../core/world/lab-dns';
import { LAB_WORLD } from '../../core/world/world-definition';
import { createDkimKey } from './mail-auth';
import { mailAuthFor } from './mail-auth-service';
import { mailAuthRunsIn, mailAuthWorkersLoaded, terminateMailAuthWorkers } from './work-pool';

const message = (n: number) => Buffer.from(`From: learner@lab.test\r\nTo: bob@example.test\r\nSubject: note ${n}\r\n\r\nhello ${n}\r\n`);
const peer = { ip: '192.0.2.10', helo: 'smtp.lab.test', sender: 'learner@lab.test', mta: 'mx.example.test' };

/** A From: header of 1.35 MB of addresses: over a second of work for mailauth, even with a linear parser. */
const pathological = () => Buffer.from(`From: ${'a@b.c,'.repeat(225_000)}ceo@example.test\r\nTo: bob@example.test\r\nSubject: slow\r\n\r\nhello\r\n`);

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

  it('a worker that dies is replaced: what it owed, and what follows, is done by a fresh one', async () => {
    const key = createDkimKey('lab.test');
    const definition = withTxtRecord(LAB_WORLD, key.domain, key.record);
    const auth = mailAuthFor(definition, () => {});
    const here = mailAuthFor(definition, () => {}, { inProcess: true });
    try {
      const signed = await here.sign(key, message(7));
      const expected = await here.check(signed, peer);
      const inFlight = [auth.check(signed, peer), auth.sign(key, message(8))];
      await terminateMailAuthWorkers();
      const [check, resigned] = await Promise.all(inFlight);
      expect(check).toEqual(expected);
      expect((await here.check(resigned as Buffer, peer)).dkim).toBe('pass');
      expect(await auth.check(signed, peer)).toEqual(expected);
      expect(mailAuthRunsIn()).toBe('worker');
    } finally {
      auth.close();
    }
  });

  it('a check past its deadline is answered with temperror at once, and another lab is answered on time meanwhile', async () => {
    const key = createDkimKey('lab.test');
    const definition = withTxtRecord(LAB_WORLD, key.domain, key.record);
    const logs: string[] = [];
    const hostile = mailAuthFor(definition, (line) => logs.push(line), { deadlineMs: 300 });
    const other = mailAuthFor(definition, () => {});
    const here = mailAuthFor(definition, () => {}, { inProcess: true });
    try {
      const signed = await here.sign(key, message(9));
      const expected = await here.check(signed, peer);
      await mailAuthWorkersLoaded();
      const timed = async <T>(work: Promise<T>) => {
        const started = performance.now();
        const result = await work;
        return { result, ms: performance.now() - started };
      };

      const slow = timed(hostile.check(pathological(), { ...peer, sender: 'ceo@example.test' }));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const meanwhile = await timed(other.check(signed, peer));
      expect(meanwhile.result).toEqual(expected);
      // Behind the hostile check it would wait for its deadline and a fresh worker (over 1 s, and
      // about 3 s with one worker); on its own it takes a few ms, a few hundred on a loaded machine.
      expect(meanwhile.ms).toBeLessThan(1000);

      const late = await slow;
      expect(late.ms).toBeLessThan(800);
      // Delivered, no policy applied, with temperror for each method in its header.
      expect(late.result).toMatchObject({ spf: 'temperror', dkim: 'temperror', dmarc: 'temperror', verdict: 'accepted' });
      expect(late.result.header).toBe(
        'Authentication-Results: mx.example.test;\r\n spf=temperror reason="sender check not finished within 300 ms";\r\n dkim=temperror reason="sender check not finished within 300 ms";\r\n dmarc=temperror reason="sender check not finished within 300 ms"\r\n',
      );
      expect(logs).toContain('mx.example.test: sender check not finished within 300 ms: temperror');
      // The lab that sent it goes on being checked, by a fresh worker or the other one.
      expect(await hostile.check(signed, peer)).toEqual(expected);
      expect(mailAuthRunsIn()).toBe('worker');
    } finally {
      hostile.close();
      other.close();
    }
  });

  it('a signature past its deadline: the message goes out unsigned at once, with a line that says why', async () => {
    const key = createDkimKey('lab.test');
    const definition = withTxtRecord(LAB_WORLD, key.domain, key.record);
    const logs: string[] = [];
    const auth = mailAuthFor(definition, (line) => logs.push(line), { deadlineMs: 5 });
    const other = mailAuthFor(definition, () => {});
    try {
      await mailAuthWorkersLoaded();
      // 40 MB to hash: far more than 5 ms of work anywhere.
      const huge = Buffer.concat([message(10), Buffer.alloc(40 * 1024 * 1024, 'x\r\n')]);
      const sent = await auth.sign(key, huge);
      expect(sent).toBe(huge);
      expect(logs).toEqual(['dkim: not signed: signing not finished within 5 ms']);
      // The next one is signed by a fresh worker or the other one.
      expect((await other.sign(key, message(11))).toString()).toMatch(/^DKIM-Signature: v=1; a=ed25519-sha256;/);
    } finally {
      auth.close();
      other.close();
    }
  });
});
