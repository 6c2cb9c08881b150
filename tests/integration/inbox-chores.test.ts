/**
 * The inbox chores over a running bridge: a copy is unread until marked read, and the counts every
 * page hears follow; its .eml download is the bytes the client sent under the trace headers the
 * lab's servers put on top; delete one, some or a whole mailbox; another origin may do none of it.
 * Search (GET /api/search) finds copies by field, body, state and date, and conversations by their lines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageSummary } from '../../core/wire';
import type { MailboxSummary } from '../../core/world/world-events';
import { startTestBridge, type TestBridge } from '../support/lab-process';
import { LabSocket } from '../support/ws-client';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridgeChild } from '../support/bridge-child';
import { eventually, RawClient } from './smtp-client';

let bridge: TestBridge;
let page: LabSocket;

beforeAll(async () => {
  bridge = await startTestBridge();
  page = await LabSocket.open(bridge.webUrl);
  await page.welcome();
});
afterAll(async () => {
  page.close();
  await bridge.close();
});

const BOX = 'alice@example.test';
const url = (path: string) => new URL(path, bridge.webUrl);
const api = async <T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> => {
  const response = await fetch(url(path), init);
  return { status: response.status, body: (await response.json()) as T };
};
const box = async () => (await api<MailboxSummary[]>('/api/mailboxes')).body.find((m) => m.address === BOX);
/** The mailbox counts the page heard last. */
const heardCounts = () => page.received.flatMap((m) => (m.type === 'world.changed' ? [m.mailboxes.find((b) => b.address === BOX)] : [])).at(-1);

async function send(subject: string, body = `Hello Alice,\r\nthis is ${subject}.\r\n`, headers = ''): Promise<{ sent: string; copy: MessageSummary }> {
  const sent = `From: app@lab.test\r\nTo: ${BOX}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@lab.test>\r\n${headers}\r\n${body}`;
  const client = await RawClient.connect(bridge.smtp.port);
  await client.reply();
  await client.command('EHLO app.example');
  await client.command('MAIL FROM:<app@lab.test>');
  await client.command(`RCPT TO:<${BOX}>`);
  await client.command('DATA');
  client.write(`${sent}.\r\n`);
  expect((await client.reply()).code).toBe(250);
  await client.command('QUIT');
  const copy = await eventually(() => bridge.lab.mailbox(BOX).find((m) => m.subject === subject));
  return { sent, copy };
}

/** The header lines the lab's servers added on top (Return-Path, Received:, the MX's Authentication-Results, the lab's DKIM signature), folded lines and all. */
function withoutTrace(raw: string): string {
  const lines = raw.split('\r\n');
  let i = 0;
  while (i < lines.length && /^(Return-Path|Received|Authentication-Results|DKIM-Signature):/i.test(lines[i] ?? '')) {
    i++;
    while (i < lines.length && /^[ \t]/.test(lines[i] ?? '')) i++;
  }
  return lines.slice(i).join('\r\n');
}

describe('the inbox chores', () => {
  it('keeps a new copy unread until marked read, and every page hears the count', async () => {
    const { copy } = await send('Read me');
    expect(copy.unread).toBe(true);
    expect((await box())?.unread).toBeGreaterThanOrEqual(1);
    const before = (await box())?.unread ?? 0;

    expect((await api(`/api/messages/${copy.id}/read`, { method: 'PUT' })).status).toBe(200);
    expect((await box())?.unread).toBe(before - 1);
    expect((await api<MessageSummary[]>(`/api/mailboxes/${BOX}`)).body.find((m) => m.id === copy.id)?.unread).toBe(false);
    await eventually(() => heardCounts()?.unread === before - 1);

    expect((await api(`/api/messages/${copy.id}/read`, { method: 'DELETE' })).status).toBe(200);
    expect((await box())?.unread).toBe(before);
    await eventually(() => heardCounts()?.unread === before);
    expect((await api('/api/messages/NOSUCHCOPY/read', { method: 'PUT' })).status).toBe(404);
  });

  it('downloads the .eml: the bytes the client sent, under the trace lines the lab servers added', async () => {
    const { sent, copy } = await send('Keep my bytes');
    const response = await fetch(url(`/api/messages/${copy.id}/raw?download=1`));
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${copy.id}.eml"`);
    const raw = Buffer.from(await response.arrayBuffer()).toString('latin1');
    expect(raw.startsWith('Return-Path: <app@lab.test>\r\n')).toBe(true);
    expect(withoutTrace(raw)).toBe(sent);
  });

  it('deletes one copy, selected copies and the whole mailbox, and the lab forgets them', async () => {
    const one = (await send('Delete one')).copy;
    const two = (await send('Delete two')).copy;
    const three = (await send('Delete three')).copy;

    expect((await api(`/api/messages/${one.id}`, { method: 'DELETE' })).body).toEqual({ deleted: [one.id] });
    expect(bridge.lab.getRawMessage(one.id)).toBeUndefined();
    expect((await api(`/api/messages/${one.id}`, { method: 'DELETE' })).status).toBe(404);

    const selected = await api<{ deleted: string[] }>(`/api/mailboxes/${BOX}?ids=${two.id},${three.id}`, { method: 'DELETE' });
    expect(selected.body.deleted.sort()).toEqual([two.id, three.id].sort());
    expect(bridge.lab.mailbox(BOX).some((m) => [one.id, two.id, three.id].includes(m.id))).toBe(false);
    expect((await api(`/api/mailboxes/${BOX}?ids=not%20an%20id`, { method: 'DELETE' })).status).toBe(400);

    await send('Delete all');
    expect((await box())?.messages).toBeGreaterThan(0);
    expect((await api(`/api/mailboxes/${BOX}`, { method: 'DELETE' })).status).toBe(200);
    expect(await box()).toMatchObject({ messages: 0, unread: 0 });
    expect((await api(`/api/mailboxes/${BOX}`)).body).toEqual([]);
    await eventually(() => heardCounts()?.messages === 0);
  });

  it('lets no page of another origin delete or mark anything', async () => {
    const { copy } = await send('Not yours');
    const answer = await api<{ error: string }>(`/api/messages/${copy.id}`, { method: 'DELETE', headers: { Origin: 'https://evil.example' } });
    expect(answer.status).toBe(403);
    expect(bridge.lab.mailbox(BOX).some((m) => m.id === copy.id)).toBe(true);
  });
});

describe('search', () => {
  type Hit = { kind: 'message' | 'conversation'; id: string; message?: MessageSummary; line?: { text: string } };
  const search = (q: string, extra = '') => api<Hit[] | { error: string }>(`/api/search?q=${encodeURIComponent(q)}${extra}`);
  const ids = async (q: string) => ((await search(q)).body as Hit[]).filter((h) => h.kind === 'message').map((h) => h.id);

  it('finds copies by words in the body, quoted phrases, fields, state and date, and conversations by their lines', async () => {
    const plain = (await send('Invoice 42', 'The turquoise elephant dances.\r\n')).copy;
    const mixed = 'Content-Type: multipart/mixed; boundary="b"\r\n';
    const withFile = (await send('Photos', '--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename="cat.png"\r\n\r\niVBORw0KGgo=\r\n--b--\r\n', mixed)).copy;

    const qp = (await send('Greetings', 'Gr=C3=BC=C3=9Fe aus K=C3=B6ln, a line that goes on and =\r\non.\r\n', 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n')).copy;
    expect(await ids('"grüße aus köln"')).toEqual([qp.id]);
    expect(await ids('"on and on"')).toEqual([qp.id]);
    expect(await ids('turquoise')).toEqual([plain.id]);
    expect(await ids('"turquoise elephant"')).toEqual([plain.id]);
    expect(await ids('"elephant turquoise"')).toEqual([]);
    expect(await ids('subject:invoice')).toEqual([plain.id]);
    expect(await ids('has:attachment')).toContain(withFile.id);
    expect(await ids('has:attachment')).not.toContain(plain.id);
    expect(await ids(`from:app@lab.test to:${BOX} subject:photos`)).toEqual([withFile.id]);
    await api(`/api/messages/${plain.id}/read`, { method: 'PUT' });
    expect(await ids('is:unread subject:invoice')).toEqual([]);
    expect(await ids('is:unread subject:photos')).toEqual([withFile.id]);
    expect(await ids('is:bounce subject:photos')).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    expect(await ids(`turquoise before:${today}`)).toEqual([]);
    expect(await ids(`turquoise after:2000-01-01 before:2999-01-01`)).toEqual([plain.id]);

    // The conversation that carried it in holds the phrase on one of its lines.
    const conversations = ((await search('"Subject: Invoice 42"')).body as Hit[]).filter((h) => h.kind === 'conversation');
    expect(conversations.length).toBeGreaterThan(0);
    expect(conversations[0]?.line?.text).toBe('Subject: Invoice 42');
  });

  it('pages like the other lists, and says what is wrong with a query it cannot read', async () => {
    const first = await fetch(url(`/api/search?q=${encodeURIComponent('hello alice')}&limit=1`));
    const page = (await first.json()) as Hit[];
    expect(page).toHaveLength(1);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1] ?? '';
    expect(next).toMatch(/q=hello%20alice&limit=1&before=/);
    const older = (await (await fetch(url(next))).json()) as Hit[];
    expect(older).toHaveLength(1);
    expect(older[0]?.id).not.toBe(page[0]?.id);

    const bad = await search('before:tomorrow');
    expect(bad.status).toBe(400);
    expect((bad.body as { error: string }).error).toMatch(/YYYY-MM-DD/);
  });
});

describe('the lab database', () => {
  it('forgets a deleted copy: after a restart it is still gone, and the copy kept beside it is back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'smtp-lab-inbox-'));
    try {
      const first = await startBridgeChild(['--state-dir', dir]);
      const client = await RawClient.connect(first.smtp.port);
      await client.reply();
      await client.command('EHLO app.example');
      for (const subject of ['Keep', 'Drop']) {
        await client.command('MAIL FROM:<app@lab.test>');
        await client.command(`RCPT TO:<${BOX}>`);
        await client.command('DATA');
        expect((await client.command(`Subject: ${subject}\r\n\r\nHi.\r\n.`)).code).toBe(250);
      }
      await client.command('QUIT');
      const inBox = async (webUrl: string) => (await (await fetch(new URL(`/api/mailboxes/${BOX}`, webUrl))).json()) as MessageSummary[];
      const both = await eventually(async () => {
        const list = await inBox(first.webUrl).catch(() => []);
        return list.length === 2 ? list : null;
      }, 15_000);
      const drop = both.find((m) => m.subject === 'Drop');
      expect((await fetch(new URL(`/api/messages/${drop?.id}`, first.webUrl), { method: 'DELETE' })).status).toBe(200);
      expect(await first.terminate()).toBe(0);

      const second = await startBridgeChild(['--state-dir', dir]);
      expect((await inBox(second.webUrl)).map((m) => m.subject)).toEqual(['Keep']);
      expect(await second.terminate()).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
