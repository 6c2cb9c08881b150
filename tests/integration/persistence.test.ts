/**
 * Nothing lost on restart: the bridge runs as `npm start` runs it, in a process of its own, is
 * stopped the two ways it gets stopped — SIGTERM (Ctrl-C, a service manager) and SIGKILL (a crash,
 * the OOM killer) — and started again on the same state directory. What a client got a 250 for is
 * there, once; the conversations the page listed are listed again; the queue and the clock go on.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConversationDetail, ConversationSummary, MessageSummary } from '../../core/wire';
import type { MailboxSummary, WorldEvent } from '../../core/world/world-events';
import type { LearnerZone } from '../../core/world/learner-zone';
import { startBridgeChild, type BridgeChild } from '../support/bridge-child';
import { Browser, sendAs } from '../support/hosted-browser';
import { LabSocket } from '../support/ws-client';
import { RawClient } from './smtp-client';

const dirs: string[] = [];
const running = new Set<BridgeChild>();
afterAll(async () => {
  await Promise.all([...running].map((bridge) => bridge.kill()));
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'smtp-lab-persist-'));
  dirs.push(dir);
  return dir;
}

async function start(args: string[]): Promise<BridgeChild> {
  const bridge = await startBridgeChild(args);
  running.add(bridge);
  void bridge.exited.then(() => running.delete(bridge));
  return bridge;
}

async function api<T>(bridge: BridgeChild, path: string): Promise<T> {
  const response = await fetch(new URL(path, bridge.webUrl));
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

const accepted = async (bridge: BridgeChild) => (await api<MessageSummary[]>(bridge, '/api/messages?limit=1000')).filter((m) => m.mailbox === null);

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in time (last: ${JSON.stringify(value).slice(0, 300)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One transaction on an open session; resolves with the queue id of the 250, or null for any other reply. */
async function sendOne(client: RawClient, to: string, subject: string): Promise<string | null> {
  const mail = await client.command('MAIL FROM:<app@lab.test>');
  if (mail.code !== 250) return null;
  if ((await client.command(`RCPT TO:<${to}>`)).code !== 250) return null;
  if ((await client.command('DATA')).code !== 354) return null;
  const reply = await client.command(`Subject: ${subject}\r\n\r\nKept across restarts.\r\n.`);
  return reply.code === 250 ? (/queued as (\w+)/.exec(reply.lines.join(' '))?.[1] ?? null) : null;
}

async function session(bridge: BridgeChild): Promise<RawClient> {
  const client = await RawClient.connect(bridge.smtp.port);
  await client.reply();
  await client.command('EHLO app.example');
  return client;
}

describe('a lab kept across restarts', () => {
  it('after SIGTERM: the messages, mailboxes and conversations are back, the deferred message is retried, the clock resumes', async () => {
    const dir = await stateDir();
    const first = await start(['--state-dir', dir]);
    const client = await session(first);
    const delivered = [await sendOne(client, 'alice@example.test', 'one'), await sendOne(client, 'alice@example.test', 'two')];
    // greylist.test answers a first attempt with 451: the message waits in the queue for its retry.
    const deferred = await sendOne(client, 'gus@greylist.test', 'three');
    await client.command('QUIT');
    await client.ended;
    expect([...delivered, deferred].every(Boolean)).toBe(true);
    await until('two copies in alice@example.test', () => api<MailboxSummary[]>(first, '/api/mailboxes'), (boxes) => boxes.some((b) => b.address === 'alice@example.test' && b.messages === 2));
    await until('the greylisted message deferred', () => api<{ held: number }>(first, '/api/queue'), (queue) => queue.held === 1);
    // A minute skipped: the lab clock runs ahead of real time, still short of the retry (5 minutes).
    const page = await LabSocket.open(first.webUrl);
    page.send({ type: 'clock.advance', ref: 'skip', ms: 60_000 });
    const skipped = await page.next((m) => m.type === 'clock' && m.ref === 'skip');
    page.close();
    // The relay keeps a connection open a little while for more mail: the picture is taken once it is over,
    // its TCP connection too (the session machine says closed at the 221, before the socket ends).
    await until('every conversation over', () => api<ConversationSummary[]>(first, '/api/conversations?limit=200'), (list) => list.every((c) => c.state === 'closed' && c.endedAt !== null));
    const before = {
      conversations: await api<ConversationSummary[]>(first, '/api/conversations?limit=200'),
      messages: await accepted(first),
      mailboxes: await api<MailboxSummary[]>(first, '/api/mailboxes'),
    };
    const submission = before.conversations.find((c) => c.origin === 'external');
    expect(submission).toBeDefined();
    const lines = await api<ConversationDetail>(first, `/api/conversations/${submission?.id}`);
    const lastPage = await LabSocket.open(first.webUrl);
    const welcome = await lastPage.welcome();
    lastPage.close();
    expect(await first.terminate()).toBe(0);

    const second = await start(['--state-dir', dir]);
    const after = {
      conversations: await api<ConversationSummary[]>(second, '/api/conversations?limit=200'),
      messages: await accepted(second),
      mailboxes: await api<MailboxSummary[]>(second, '/api/mailboxes'),
    };
    expect(after).toEqual(before);
    expect(after.messages.map((m) => m.id).sort()).toEqual([...delivered, deferred].sort());
    expect(await api<ConversationDetail>(second, `/api/conversations/${submission?.id}`)).toEqual(lines);
    // What a page is handed when it opens: the same conversations as before the restart.
    const again = await LabSocket.open(second.webUrl);
    const welcomeAgain = await again.welcome();
    expect(welcomeAgain.conversations).toEqual(welcome.conversations);
    expect(welcomeAgain.messages).toEqual(welcome.messages);
    expect(welcomeAgain.mailboxes).toEqual(welcome.mailboxes);
    // The lab clock is still ahead of real time by the minute skipped.
    expect(welcomeAgain.clock - Date.now()).toBeGreaterThan(55_000);
    expect(skipped.type === 'clock' && welcomeAgain.clock >= skipped.now).toBe(true);
    // The queue resumed: its retry (the second attempt) falls due on the lab clock. The greylisting
    // host restarted too and forgot the first try, as a host without a database of its own would:
    // it defers once more, and takes the third attempt.
    expect(await api<{ held: number }>(second, '/api/queue')).toMatchObject({ held: 1 });
    const attempts = async () =>
      (await api<WorldEvent[]>(second, '/api/world/events')).filter((e) => e.type === 'recipient' && e.queueId === deferred).map((e) => (e.type === 'recipient' ? e.attempt : 0));
    for (const ref of ['retry', 'retry again']) {
      again.send({ type: 'clock.advance', ref, ms: 30 * 60_000 });
      await again.next((m) => m.type === 'clock' && m.ref === ref);
    }
    again.close();
    const boxes = await until('the retry delivered', () => api<MailboxSummary[]>(second, '/api/mailboxes'), (list) => list.some((b) => b.address === 'gus@greylist.test'));
    expect(boxes.find((b) => b.address === 'gus@greylist.test')?.messages).toBe(1);
    expect(await api<{ held: number }>(second, '/api/queue')).toMatchObject({ held: 0 });
    expect(await attempts()).toEqual([2, 3]);
    expect(await second.terminate()).toBe(0);
  });

  it('after SIGKILL mid-burst: every message that got its 250 is there, and none twice', async () => {
    const dir = await stateDir();
    const first = await start(['--state-dir', dir]);
    const acknowledged: string[] = [];
    let killed = false;
    async function burst(n: number): Promise<void> {
      const client = await session(first);
      for (let i = 0; i < n && !killed; i++) {
        const id = await sendOne(client, `bulk${i % 5}@lab.test`, `burst ${i}`).catch(() => null);
        if (id && !killed) acknowledged.push(id);
      }
    }
    const senders = [burst(400), burst(400)];
    await until('a burst under way', async () => acknowledged.length, (n) => n >= 60);
    killed = true;
    // The acknowledgements counted are the ones read before the kill.
    const counted = acknowledged.length;
    expect(await first.kill()).toBe('SIGKILL');
    await Promise.allSettled(senders);

    const second = await start(['--state-dir', dir]);
    const ids = (await accepted(second)).map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(acknowledged.slice(0, counted)));
    expect(ids.length).toBeGreaterThanOrEqual(counted);
    // The queue goes on where it stopped: each of them reaches its mailbox.
    await until('every acknowledged message delivered', () => api<MailboxSummary[]>(second, '/api/mailboxes'), (boxes) => boxes.reduce((n, b) => n + b.messages, 0) >= counted);
    expect(await second.terminate()).toBe(0);
  });

  it('hosted: a browser finds its lab again after a restart, with its mail and its login; an expired lab is removed', async () => {
    const dir = await stateDir();
    const first = await start(['--state-dir', dir, '--hosted']);
    const visitor = new Browser(first);
    await visitor.get('/');
    const lab = await visitor.lab();
    const caPem = await (await fetch(new URL('/api/ca.pem', first.webUrl))).text();
    const queueId = await sendAs(first, lab.credentials, 'Before the restart', caPem);
    await until('the message listed', () => visitor.json<MessageSummary[]>('/api/messages'), (list) => list.some((m) => m.id === queueId));
    expect(await first.terminate()).toBe(0);
    const labFiles = join(dir, 'data', 'labs');
    expect((await readdir(labFiles)).sort()).toEqual([`${lab.id}.json`, `${lab.id}.sqlite`]);

    const second = await start(['--state-dir', dir, '--hosted']);
    visitor.bridge = second;
    expect(await visitor.lab()).toMatchObject({ id: lab.id, credentials: lab.credentials });
    expect((await visitor.json<MessageSummary[]>('/api/messages')).filter((m) => m.mailbox === null).map((m) => m.id)).toEqual([queueId]);
    // Its login still reaches it from outside.
    const after = await sendAs(second, lab.credentials, 'After the restart', caPem);
    await until('the second message listed', () => visitor.json<MessageSummary[]>('/api/messages'), (list) => list.some((m) => m.id === after));
    expect(await second.terminate()).toBe(0);

    // Started again after the lab's idle time has passed: the lab has expired, its files go.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const third = await start(['--state-dir', dir, '--hosted', '--idle-minutes', '0.01']);
    visitor.bridge = third;
    await visitor.get('/');
    expect((await visitor.lab()).id).not.toBe(lab.id);
    expect((await readdir(labFiles)).filter((name) => name.startsWith(lab.id))).toEqual([]);
    expect(await third.terminate()).toBe(0);
  });

  it('hosted: a restored lab keeps its learner domain, its records and its MTA-STS policy, and its mail from that domain still passes DKIM', async () => {
    const dir = await stateDir();
    const first = await start(['--state-dir', dir, '--hosted']);
    const visitor = new Browser(first);
    await visitor.get('/');
    const { learnerDomain: domain } = (await visitor.lab()) as unknown as { learnerDomain: string };
    expect(domain).toMatch(/^lab-[0-9a-f]{10}\.learner\.test$/);
    const records = `/api/world/domains/${domain}/records`;
    const before = await visitor.json<LearnerZone>(records);
    const changed = {
      records: before.records.map((r) => (r.name === `_dmarc.${domain}` ? { ...r, value: 'v=DMARC1; p=quarantine' } : r)),
      mtaSts: { mode: 'testing', mx: ['mx.lab.test'], maxAge: 86_400 },
    };
    const put = await fetch(new URL(records, first.webUrl), { method: 'PUT', headers: { cookie: visitor.cookie, 'content-type': 'application/json' }, body: JSON.stringify(changed) });
    expect(put.status).toBe(200);
    const saved = await visitor.json<LearnerZone>(records);
    expect(await first.terminate()).toBe(0);

    const second = await start(['--state-dir', dir, '--hosted']);
    visitor.bridge = second;
    expect(((await visitor.lab()) as unknown as { learnerDomain: string }).learnerDomain).toBe(domain);
    const kept = await visitor.json<LearnerZone>(records);
    expect(kept.mtaSts).toEqual(saved.mtaSts);
    // Every record as it was, but the working DKIM key: its private half is not kept, so the lab made a new one and published it.
    const dkimName = `learner._domainkey.${domain}`;
    expect(kept.records.filter((r) => r.name !== dkimName)).toEqual(saved.records.filter((r) => r.name !== dkimName));
    expect(kept.records.filter((r) => r.name === dkimName)).toHaveLength(1);
    const caPem = await (await fetch(new URL('/api/ca.pem', second.webUrl))).text();
    const lab = await visitor.lab();
    await sendAs(second, lab.credentials, 'From my kept domain', caPem, { from: `me@${domain}`, to: 'alice@example.test' });
    const copy = await until(
      "alice's copy",
      () => visitor.json<MessageSummary[]>('/api/messages'),
      (list) => list.some((m) => m.subject === 'From my kept domain' && m.mailbox === 'alice@example.test'),
    );
    const id = copy.find((m) => m.subject === 'From my kept domain' && m.mailbox === 'alice@example.test')!.id;
    const raw = await (await visitor.get(`/api/messages/${id}/raw`)).text();
    expect(raw).toMatch(new RegExp(`dkim=pass header\\.i=@${domain.replaceAll('.', '\\.')}`));
    expect(await second.terminate()).toBe(0);
  });

  it("a lesson's seeded message lives only as long as the run: the lesson seeds it again when it opens", async () => {
    const dir = await stateDir();
    const first = await start(['--state-dir', dir]);
    const page = await LabSocket.open(first.webUrl);
    await page.welcome();
    page.send({ type: 'scenario.apply', scenario: { mailboxes: [{ mailbox: 'dave@example.test', from: 'someone@example.test', raw: 'Subject: Seeded\n\nTo analyse.\n' }], queue: [] } });
    await page.next((m) => m.type === 'world.changed');
    page.close();
    const client = await session(first);
    expect(await sendOne(client, 'carol@example.test', 'real mail')).toBeTruthy();
    await client.command('QUIT');
    const boxes = async (bridge: BridgeChild) => (await api<MailboxSummary[]>(bridge, '/api/mailboxes')).map((box) => box.address).sort();
    await until('both copies filed', () => boxes(first), (list) => list.includes('carol@example.test') && list.includes('dave@example.test'));
    expect(await first.terminate()).toBe(0);

    const second = await start(['--state-dir', dir]);
    expect(await boxes(second)).toEqual(['carol@example.test']);
    expect(await second.terminate()).toBe(0);
  });

  it('--no-persist keeps nothing: a restart starts empty', async () => {
    const dir = await stateDir();
    const first = await start(['--state-dir', dir, '--no-persist']);
    const client = await session(first);
    expect(await sendOne(client, 'alice@example.test', 'gone')).toBeTruthy();
    await client.command('QUIT');
    expect(await first.terminate()).toBe(0);
    const second = await start(['--state-dir', dir, '--no-persist']);
    expect(await accepted(second)).toEqual([]);
    expect(await api<ConversationSummary[]>(second, '/api/conversations')).toEqual([]);
    expect(await second.terminate()).toBe(0);
  });
});
