/** The bridge's web boundary: HTTP API, WebSocket admission, and bad input that must not hurt it. */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../support/lab-process';
import { LabSocket } from '../support/ws-client';
import { MAX_CLIENT_MESSAGE_BYTES, type BridgeMessage } from '../../core/protocol/messages';

let bridge: TestBridge;

beforeAll(async () => {
  bridge = await startTestBridge();
});
afterAll(async () => {
  await bridge?.close();
});

const isError = (m: BridgeMessage): m is Extract<BridgeMessage, { type: 'error' }> => m.type === 'error';

async function openTerminal(client: LabSocket): Promise<string> {
  client.send({ type: 'terminal.open', ref: 'open-1' });
  const opened = await client.next((m) => m.type === 'terminal.opened');
  if (opened.type !== 'terminal.opened') throw new Error('unreachable');
  await client.serverLine(opened.conversation.id, '220');
  return opened.conversation.id;
}

describe('HTTP API', () => {
  it('answers /healthz and serves the lab CA but never a private key', async () => {
    const health = await fetch(new URL('/healthz', bridge.webUrl));
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true });

    const ca = await fetch(new URL('/api/ca.pem', bridge.webUrl));
    const pem = await ca.text();
    expect(pem).toContain('-----BEGIN CERTIFICATE-----');
    expect(pem).not.toMatch(/PRIVATE KEY/);
    expect(ca.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('lists a terminal conversation with its lines and state, and the message it delivered', async () => {
    const client = await LabSocket.open(bridge.webUrl);
    const id = await openTerminal(client);
    for (const [line, reply] of [
      ['EHLO api.test', '250 '],
      ['MAIL FROM:<learner@lab.test>', '250'],
      ['RCPT TO:<alice@example.test>', '250'],
      ['DATA', '354'],
    ] as const) {
      const answered = client.serverLine(id, reply);
      client.send({ type: 'terminal.line', conversation: id, text: line });
      await answered;
    }
    client.send({ type: 'terminal.line', conversation: id, text: 'Subject: via the API test' });
    client.send({ type: 'terminal.line', conversation: id, text: '' });
    client.send({ type: 'terminal.line', conversation: id, text: 'Hello.' });
    const stored = client.next((m) => m.type === 'message.stored');
    client.send({ type: 'terminal.line', conversation: id, text: '.' });
    await stored;

    const conversations = (await (await fetch(new URL('/api/conversations', bridge.webUrl))).json()) as Array<{
      id: string; origin: string; state: string; lines: Array<{ dir: string; text: string }>;
    }>;
    const mine = conversations.find((c) => c.id === id);
    expect(mine?.origin).toBe('terminal');
    expect(mine?.state).toBe('ready');
    expect(mine?.lines.filter((l) => l.dir === 'client').map((l) => l.text)).toContain('MAIL FROM:<learner@lab.test>');

    const messages = (await (await fetch(new URL('/api/messages', bridge.webUrl))).json()) as Array<{ id: string; subject: string }>;
    const message = messages.find((m) => m.subject === 'via the API test');
    expect(message).toBeDefined();
    const raw = await fetch(new URL(`/api/messages/${message?.id}/raw`, bridge.webUrl));
    expect(raw.headers.get('content-type')).toBe('message/rfc822');
    expect(await raw.text()).toContain('Hello.');
    expect((await fetch(new URL('/api/messages/nope/raw', bridge.webUrl))).status).toBe(404);
    client.close();
  });
});

/** A GET with a Host header of our choosing, as a DNS-rebinding page's browser would send it. */
function getAs(webUrl: string, path: string, host: string): Promise<{ status: number; body: string }> {
  const url = new URL(path, webUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers: { Host: host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP Host check (DNS rebinding)', () => {
  const paths = ['/api/messages', '/api/conversations', '/api/lab', '/healthz', '/', '/index.html'];

  it('answers a foreign Host with 421 on the API, the health check and the app alike', async () => {
    const port = new URL(bridge.webUrl).port;
    for (const path of paths) {
      const reply = await getAs(bridge.webUrl, path, `evil.example:${port}`);
      expect({ path, status: reply.status }).toEqual({ path, status: 421 });
      expect(reply.body).toContain('evil.example');
    }
  });

  it('serves the loopback names and the bound address', async () => {
    const port = new URL(bridge.webUrl).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `LOCALHOST:${port}`]) {
      expect((await getAs(bridge.webUrl, '/api/messages', host)).status).toBe(200);
    }
  });

  it('serves the names it was given (--allowed-host, --public-host) and still refuses others', async () => {
    const named = await startTestBridge({ allowedHosts: ['lab.school.example'], publicHost: 'smtp.school.example' });
    try {
      const port = new URL(named.webUrl).port;
      expect((await getAs(named.webUrl, '/api/messages', `lab.school.example:${port}`)).status).toBe(200);
      expect((await getAs(named.webUrl, '/api/messages', 'lab.school.example')).status).toBe(200);
      expect((await getAs(named.webUrl, '/healthz', `smtp.school.example:${port}`)).status).toBe(200);
      expect((await getAs(named.webUrl, '/api/messages', `school.example:${port}`)).status).toBe(421);
    } finally {
      await named.close();
    }
  });
});

describe('WebSocket admission', () => {
  it('refuses a page from another origin', async () => {
    await expect(LabSocket.open(bridge.webUrl, { Origin: 'http://evil.test' })).rejects.toThrow(/403/);
  });

  it('refuses a foreign Host (DNS rebinding)', async () => {
    const port = new URL(bridge.webUrl).port;
    await expect(
      LabSocket.open(bridge.webUrl, { Host: `rebound.test:${port}`, Origin: `http://rebound.test:${port}` }),
    ).rejects.toThrow(/403/);
  });

  it('accepts the lab page\'s own origin and sends a welcome', async () => {
    const client = await LabSocket.open(bridge.webUrl, { Origin: new URL(bridge.webUrl).origin });
    const welcome = await client.welcome();
    expect(welcome.lab.smtp.port).toBe(bridge.smtp.port);
    client.close();
  });
});

describe('bad input over the WebSocket', () => {
  it('answers each bad message with an error and keeps serving the same socket', async () => {
    const client = await LabSocket.open(bridge.webUrl);
    await client.welcome();

    client.send('{not json');
    expect((await client.next(isError)).code).toBe('bad-json');

    client.send(JSON.stringify({ type: 'terminal.line', ref: 'r7', conversation: 'c1' }));
    const missingText = await client.next((m) => isError(m) && m.ref === 'r7');
    expect(missingText).toMatchObject({ code: 'bad-message' });

    client.send(JSON.stringify({ type: 'launch.rockets' }));
    expect((await client.next((m) => isError(m) && m.code === 'bad-message' && m.ref === undefined)).type).toBe('error');

    client.socket.send(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]), { binary: true });
    expect((await client.next((m) => isError(m) && /Binary/.test(m.message))).type).toBe('error');

    client.send(JSON.stringify({ type: 'terminal.line', conversation: 'x', text: 'A'.repeat(MAX_CLIENT_MESSAGE_BYTES) }));
    expect((await client.next((m) => isError(m) && m.code === 'too-large')).type).toBe('error');

    client.send({ type: 'terminal.line', ref: 'r9', conversation: 'does-not-exist', text: 'NOOP' });
    expect(await client.next((m) => isError(m) && m.ref === 'r9')).toMatchObject({ code: 'unknown-conversation' });

    // After all that, the same socket still runs a real conversation.
    const id = await openTerminal(client);
    const reply = client.serverLine(id, '250');
    client.send({ type: 'terminal.line', conversation: id, text: 'NOOP' });
    await reply;
    client.close();
  });

  it('closes a socket that sends a frame far past the limit, and serves the next one', async () => {
    const client = await LabSocket.open(bridge.webUrl);
    const closed = new Promise<number>((resolve) => client.socket.once('close', (code) => resolve(code)));
    client.socket.send(Buffer.alloc(5 * MAX_CLIENT_MESSAGE_BYTES, 0x41));
    expect(await closed).toBe(1009);

    const next = await LabSocket.open(bridge.webUrl);
    expect((await next.welcome()).lab.credentials.user).toBe('learner');
    next.close();
  });

  it('sends an error for a line to a conversation that has ended', async () => {
    const client = await LabSocket.open(bridge.webUrl);
    const id = await openTerminal(client);
    const ended = client.next((m) => m.type === 'conversation.ended' && m.id === id);
    client.send({ type: 'terminal.line', conversation: id, text: 'QUIT' });
    await ended;
    client.send({ type: 'terminal.line', ref: 'late', conversation: id, text: 'NOOP' });
    expect(await client.next((m) => isError(m) && m.ref === 'late')).toMatchObject({ code: 'not-connected' });
    client.close();
  });
});

