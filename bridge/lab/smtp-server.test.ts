import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySocketPair } from '../tap/memory-pair';
import { loadOrCreateCertificates, type LabCertificates } from './certificates';
import { MessageStore } from './message-store';
import { createLabSmtpServer, type AcceptedMessage } from './smtp-server';

let dir: string;
let certificates: LabCertificates;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lab-smtp-server-'));
  certificates = await loadOrCreateCertificates(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A client on an in-memory socket: each call writes lines and resolves with the next complete reply. */
function client(socket: ReturnType<typeof memorySocketPair>['near']) {
  let buffered = '';
  const replies: string[] = [];
  let wake: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let end = buffered.indexOf('\r\n'); end !== -1; end = buffered.indexOf('\r\n')) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      if (line[3] !== '-') replies.push(line);
    }
    wake?.();
  });
  return async (text?: string): Promise<string> => {
    if (text !== undefined) socket.write(`${text}\r\n`);
    while (replies.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return replies.shift() as string;
  };
}

describe('the lab smtp-server', () => {
  it('answers a message once, with its 250, even when passing it on fails afterwards', async () => {
    const logged: string[] = [];
    const accepted: AcceptedMessage[] = [];
    const store = new MessageStore();
    const server = createLabSmtpServer({
      certificates,
      store,
      log: (message) => logged.push(message),
      onMessage(message) {
        accepted.push(message);
        if (accepted.length === 1) throw new Error('relay queue broke');
      },
    });
    const { near, far } = memorySocketPair({ remoteAddress: '127.0.0.1', remotePort: 40000 });
    server.accept(far, { conversation: 'c1', remoteAddress: '127.0.0.1', remotePort: 40000 });
    const say = client(near);
    expect(await say()).toMatch(/^220 /);
    expect(await say('EHLO test.example')).toMatch(/^250 /);
    for (const round of [1, 2]) {
      expect(await say('MAIL FROM:<a@lab.test>')).toMatch(/^250 /);
      expect(await say('RCPT TO:<b@lab.test>')).toMatch(/^250 /);
      expect(await say('DATA')).toMatch(/^354 /);
      // The next reply after the 250 must answer the next command, not be a late 451 for this message.
      expect(await say(`Subject: round ${round}\r\n\r\nHello.\r\n.`)).toMatch(/^250 .*queued as/);
    }
    expect(await say('QUIT')).toMatch(/^221 /);
    expect(accepted).toHaveLength(2);
    expect(store.list()).toHaveLength(2);
    expect(logged.some((line) => line.includes('relay queue broke'))).toBe(true);
    await server.close();
  });
});
