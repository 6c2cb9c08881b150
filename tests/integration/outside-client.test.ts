import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../bridge/lab/lab-types';
import { eventually, RawClient, startLab, textOf } from './smtp-client';

let lab: Lab;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ lab, stop } = await startLab());
});
afterAll(() => stop());

describe('an outside client on the lab SMTP port', () => {
  it('greets, lists the extensions without AUTH before TLS, and accepts a message', async () => {
    const client = await RawClient.connect(lab.smtpAddress.port);
    const greeting = await client.reply();
    expect(greeting.code).toBe(220);
    expect(textOf(greeting)).toContain('smtp.lab.test');

    const ehlo = await client.command('EHLO client.example');
    expect(ehlo.code).toBe(250);
    const keywords = ehlo.lines.slice(1).map((line) => line.split(' ')[0]);
    expect(keywords).toEqual(expect.arrayContaining(['PIPELINING', '8BITMIME', 'SMTPUTF8', 'SIZE', 'ENHANCEDSTATUSCODES', 'STARTTLS']));
    expect(keywords).not.toContain('AUTH');

    expect((await client.command('MAIL FROM:<alice@example.test>')).code).toBe(250);
    expect((await client.command('RCPT TO:<bob@lab.test>')).code).toBe(250);
    expect((await client.command('DATA')).code).toBe(354);
    client.write('From: Alice <alice@example.test>\r\nTo: Bob <bob@lab.test>\r\nSubject: Hello lab\r\n\r\nHi Bob.\r\n.\r\n');
    const queued = await client.reply();
    expect(queued.code).toBe(250);
    const id = /queued as (\w+)/.exec(textOf(queued))?.[1];
    expect(id).toBeTruthy();
    expect((await client.command('QUIT')).code).toBe(221);
    await client.ended;

    const message = lab.listMessages().find((m) => m.id === id);
    expect(message).toMatchObject({
      subject: 'Hello lab',
      from: 'Alice <alice@example.test>',
      to: ['Bob <bob@lab.test>'],
      envelopeFrom: 'alice@example.test',
      envelopeTo: ['bob@lab.test'],
    });
    const raw = lab.getRawMessage(id!)?.toString() ?? '';
    expect(raw).toContain('Hi Bob.');
    // The server's own trace line comes first: who sent it, who took it, how, and the queue id.
    expect(raw).toMatch(/^Received: from client\.example \(\[127\.0\.0\.1\]\)\r\n\tby smtp\.lab\.test \(SMTP Lab\)\r\n\twith ESMTP\r\n/);
    expect(raw).toContain(`id ${id}`);
    expect(raw).toContain('for <bob@lab.test>;');

    const conversation = await eventually(() => {
      const found = lab.getConversation(message!.conversation);
      return found?.endedAt ? found : null;
    });
    expect(conversation.origin).toBe('external');
    const lines = conversation.lines.filter((line) => line.dir !== 'info').map((line) => [line.dir, line.text]);
    expect(lines.filter(([dir]) => dir === 'client').map(([, text]) => text)).toEqual([
      'EHLO client.example',
      'MAIL FROM:<alice@example.test>',
      'RCPT TO:<bob@lab.test>',
      'DATA',
      'From: Alice <alice@example.test>',
      'To: Bob <bob@lab.test>',
      'Subject: Hello lab',
      '',
      'Hi Bob.',
      '.',
      'QUIT',
    ]);
    // Each command is followed by its reply: the record keeps wire order.
    const mailAt = lines.findIndex(([, text]) => text === 'MAIL FROM:<alice@example.test>');
    expect(lines[mailAt + 1]?.[0]).toBe('server');
    expect(lines[mailAt + 1]?.[1]).toMatch(/^250 /);
    expect(lines[0]?.[0]).toBe('server');
    expect(lines[0]?.[1]).toMatch(/^220 /);
    expect(conversation.lines[0]).toMatchObject({ dir: 'info', info: 'connected' });
    expect(conversation.lines.at(-1)).toMatchObject({ dir: 'info', info: 'closed' });
    expect(conversation.lines.every((line) => !line.tls)).toBe(true);
  });
});

describe('credentials on the wire record', () => {
  it('shows the lab account decoded but never an outside client\'s real password', async () => {
    const events: string[] = [];
    const listener = (event: { dir: string; text: string }) => events.push(event.text);
    lab.on('wire', listener);
    const client = await RawClient.connect(lab.smtpAddress.port);
    await client.reply();
    await client.command('EHLO app.example');
    expect((await client.command('STARTTLS')).code).toBe(220);
    await client.startTls(lab.caPem);
    await client.command('EHLO app.example');
    const secret = Buffer.from('\0someone@corp.test\0correct horse battery staple').toString('base64');
    expect((await client.command(`AUTH PLAIN ${secret}`)).code).toBe(535);
    const labLogin = Buffer.from('\0learner\0learner').toString('base64');
    expect((await client.command(`AUTH PLAIN ${labLogin}`)).code).toBe(235);
    await client.command('QUIT');
    await client.ended;
    lab.off('wire', listener);

    expect(events.join('\n')).not.toContain(secret);
    expect(events).toContain('AUTH PLAIN [hidden: not a lab account]');
    expect(events).toContain(`AUTH PLAIN ${labLogin}`);
    const stored = lab.listConversations().map((c) => JSON.stringify(lab.getConversation(c.id)));
    expect(stored.join('\n')).not.toContain(secret);
  });
});

describe('the submission server (terminal, port 587 role)', () => {
  it('refuses MAIL from a stranger even before TLS, where AUTH is not offered yet', async () => {
    const terminal = await lab.openTerminal('submission');
    const id = terminal.conversation.id;
    const lines = () => lab.getConversation(id)?.lines.filter((line) => line.dir === 'server').map((line) => line.text) ?? [];
    await eventually(() => lines().some((text) => text.startsWith('220 ')));
    terminal.send('EHLO stranger.example');
    await eventually(() => lines().some((text) => text.startsWith('250 ')));
    terminal.send('MAIL FROM:<learner@lab.test>');
    const reply = await eventually(() => lines().find((text) => /^(250|530) /.test(text) && !text.includes('SIZE')));
    expect(reply).toBe('530 5.7.0 Authentication required');
    terminal.close();
  });
});

describe("lab.test's MX (terminal)", () => {
  it('takes mail for lab.test from anyone but relays elsewhere only after AUTH', async () => {
    const terminal = await lab.openTerminal('mx');
    const id = terminal.conversation.id;
    const server = () => lab.getConversation(id)?.lines.filter((line) => line.dir === 'server').map((line) => line.text) ?? [];
    const reply = async (line: string, pattern: RegExp) => {
      const before = server().length;
      terminal.send(line);
      return eventually(() => server().slice(before).find((text) => pattern.test(text)));
    };
    await eventually(() => server().some((text) => text.startsWith('220 ')));
    await reply('EHLO stranger.example', /^250 /);
    expect(await reply('MAIL FROM:<someone@elsewhere.test>', /^\d{3} /)).toMatch(/^250 /);
    expect(await reply('RCPT TO:<learner@lab.test>', /^\d{3} /)).toMatch(/^250 /);
    expect(await reply('RCPT TO:<alice@example.test>', /^\d{3} /)).toBe('554 5.7.1 Relay access denied: authenticate to send beyond lab.test');
    terminal.close();
  });
});

describe('a full relay queue', () => {
  it('answers MAIL FROM with 452 4.3.1 until the queue has room again', async () => {
    const { lab: small, stop: stopSmall } = await startLab({ maxRelayBacklog: 1 });
    try {
      const client = await RawClient.connect(small.smtpAddress.port);
      expect((await client.reply()).code).toBe(220);
      expect((await client.command('EHLO client.example')).code).toBe(250);
      // greylist.test defers the first try: the message stays queued for a retry on the lab clock.
      expect((await client.command('MAIL FROM:<alice@example.test>')).code).toBe(250);
      expect((await client.command('RCPT TO:<someone@greylist.test>')).code).toBe(250);
      expect((await client.command('DATA')).code).toBe(354);
      client.write('Subject: first\r\n\r\nHi.\r\n.\r\n');
      expect((await client.reply()).code).toBe(250);
      await eventually(() => small.worldEvents().some((event) => event.type === 'recipient' && event.outcome === 'deferred'));
      expect(small.relayQueue().held).toBe(1);

      const refused = await client.command('MAIL FROM:<alice@example.test>');
      expect(refused.code).toBe(452);
      expect(textOf(refused)).toBe("4.3.1 The lab's relay queue is full (its limit is 1 messages); try again shortly");

      // The retry delivers it; the queue is empty and mail is taken again.
      await small.advanceClock(60 * 60_000);
      await eventually(() => small.relayQueue().held === 0);
      expect((await client.command('MAIL FROM:<alice@example.test>')).code).toBe(250);
      expect((await client.command('QUIT')).code).toBe(221);
    } finally {
      await stopSmall();
    }
  });
});
