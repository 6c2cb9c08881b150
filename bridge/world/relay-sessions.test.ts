import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import { describe, expect, it } from 'vitest';
import { TransactionLog } from '../../core/machines/transaction-fates';
import { RelaySessions, type Session } from './relay-sessions';

/** A session whose connection only counts what the pool asks of it. */
function fakeSession(name: string, said: string[]): Session {
  const connection = {
    quit: () => said.push(`${name} QUIT`),
    close: () => said.push(`${name} close`),
    reset: (callback: (error?: Error) => void) => (said.push(`${name} RSET`), callback()),
  } as unknown as SMTPConnection;
  // A session that has been greeted and said EHLO: ready for a transaction.
  const wire = TransactionLog.replay([
    { dir: 'server', text: '220 mx.example.test ESMTP', at: 0, tls: false },
    { dir: 'client', text: 'EHLO smtp.lab.test', at: 0, tls: false },
    { dir: 'server', text: '250 mx.example.test', at: 0, tls: false },
  ]);
  return { connection, conversation: name, wire, ended: () => false };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RelaySessions', () => {
  it('keeps a finished session idle for the next message, then says QUIT after idleMs', async () => {
    const said: string[] = [];
    let opened = 0;
    const pool = new RelaySessions({ idleMs: 50 });
    const open = async () => fakeSession(`s${++opened}`, said);
    const first = await pool.lease('mx', 10, open);
    first.release('next');
    expect(said).toEqual([]);
    const second = await pool.lease('mx', 10, open);
    expect(second).toMatchObject({ reused: true, conversation: 's1' });
    second.release('next');
    await sleep(120);
    expect(said).toEqual(['s1 QUIT']);
    expect(pool.openTo('mx')).toBe(0);
    expect(await pool.lease('mx', 10, open)).toMatchObject({ reused: false, conversation: 's2' });
  });

  it('says QUIT at once with idleMs 0, after a refusal left the session to reset, and at close', async () => {
    const said: string[] = [];
    const none = new RelaySessions({ idleMs: 0 });
    (await none.lease('mx', 10, async () => fakeSession('a', said))).release('next');
    const idle = new RelaySessions({ idleMs: 60_000 });
    (await idle.lease('mx', 10, async () => fakeSession('b', said))).release('reset');
    (await idle.lease('mx', 10, async () => fakeSession('c', said))).release('next');
    idle.close();
    expect(said).toEqual(['a QUIT', 'b QUIT', 'c QUIT']);
  });

  it('ends every idle session when a lesson begins, and the next message opens a connection of its own', async () => {
    const said: string[] = [];
    const pool = new RelaySessions({ idleMs: 60_000 });
    (await pool.lease('mx', 10, async () => fakeSession('before', said))).release('next');
    pool.endIdle();
    expect(said).toEqual(['before QUIT']);
    expect(await pool.lease('mx', 10, async () => fakeSession('lesson', said))).toMatchObject({ reused: false, conversation: 'lesson' });
  });

  it('gives a fresh lease a new connection, closing an idle one to stay within perHost', async () => {
    const said: string[] = [];
    const pool = new RelaySessions({ perHost: 1, idleMs: 60_000 });
    (await pool.lease('mx', 10, async () => fakeSession('old', said))).release('next');
    const fresh = await pool.lease('mx', 10, async () => fakeSession('new', said), { fresh: true });
    expect(fresh).toMatchObject({ reused: false, conversation: 'new' });
    expect(said).toEqual(['old QUIT']);
    expect(pool.openTo('mx')).toBe(1);
    pool.close();
  });

  it('does not keep a session that carried messagesPerSession messages', async () => {
    const said: string[] = [];
    const pool = new RelaySessions({ messagesPerSession: 2, idleMs: 60_000 });
    const open = async () => fakeSession('s', said);
    (await pool.lease('mx', 10, open)).release('next');
    (await pool.lease('mx', 10, open)).release('next');
    expect(said).toEqual(['s QUIT']);
    pool.close();
  });
});
