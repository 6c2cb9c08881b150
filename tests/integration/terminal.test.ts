import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../bridge/lab/lab-types';
import type { WireEvent } from '../../core/wire';
import { eventually, startLab } from './smtp-client';

let lab: Lab;
let stop: () => Promise<void>;
const events: WireEvent[] = [];

beforeAll(async () => {
  ({ lab, stop } = await startLab());
  lab.on('wire', (event) => events.push(event));
});
afterAll(() => stop());

/** Server lines of one conversation after the first `skip` of them, once a final reply line is there. */
async function nextReply(conversation: string, skip: number): Promise<WireEvent[]> {
  return eventually(() => {
    const lines = events.filter((e) => e.conversation === conversation && e.dir === 'server').slice(skip);
    const final = lines.findIndex((e) => /^\d{3}( |$)/.test(e.text));
    return final === -1 ? null : lines.slice(0, final + 1);
  });
}

/** A terminal that has had its EHLO answered and has just sent STARTTLS. */
async function greetedThenStartTls() {
  const terminal = await lab.openTerminal();
  const id = terminal.conversation.id;
  await nextReply(id, 0);
  terminal.send('EHLO quick.example');
  await eventually(() => events.find((e) => e.conversation === id && e.text.startsWith('250 ')));
  terminal.send('STARTTLS');
  return { terminal, id };
}

describe('the terminal', () => {
  it('types a session by hand: STARTTLS, EHLO again with AUTH, AUTH PLAIN, a message', async () => {
    const terminal = await lab.openTerminal();
    const id = terminal.conversation.id;
    expect(terminal.conversation.origin).toBe('terminal');
    let seen = 0;
    const reply = async () => {
      const lines = await nextReply(id, seen);
      seen += lines.length;
      return lines;
    };

    expect((await reply())[0]?.text).toMatch(/^220 smtp\.lab\.test/);
    terminal.send('EHLO terminal.example\r\n'); // a stray CR/LF from the keyboard must not split the command
    const ehlo = (await reply()).map((e) => e.text);
    expect(ehlo).toContain('250-STARTTLS');
    expect(ehlo.some((text) => text.includes('AUTH'))).toBe(false);

    terminal.send('STARTTLS');
    expect((await reply())[0]?.text).toMatch(/^220 /);
    await eventually(() => events.find((e) => e.conversation === id && e.info === 'tls'));

    terminal.send('EHLO terminal.example');
    const secureEhlo = await reply();
    expect(secureEhlo.map((e) => e.text)).toContain('250-AUTH PLAIN LOGIN');
    expect(secureEhlo.every((e) => e.tls)).toBe(true);

    terminal.send(`AUTH PLAIN ${Buffer.from('\0learner\0learner').toString('base64')}`);
    expect((await reply())[0]?.text).toMatch(/^235 2\.7\.0/);
    // The session machine follows the wire: authenticated and ready for a transaction.
    expect(terminal.conversation.state).toBe('ready');

    terminal.send('MAIL FROM:<learner@lab.test>');
    expect((await reply())[0]?.text).toMatch(/^250 /);
    terminal.send('RCPT TO:<friend@lab.test>');
    expect((await reply())[0]?.text).toMatch(/^250 /);
    terminal.send('DATA');
    expect((await reply())[0]?.text).toMatch(/^354 /);
    for (const line of ['Subject: typed by hand', '', 'Hello from the terminal.', '.']) terminal.send(line);
    const queued = (await reply())[0]?.text ?? '';
    expect(queued).toMatch(/^250 .*queued as/);
    terminal.send('QUIT');
    expect((await reply())[0]?.text).toMatch(/^221 /);
    await eventually(() => terminal.closed);
    expect(() => terminal.send('NOOP')).toThrow(/closed/);
    await eventually(() => terminal.conversation.endedAt !== null);
    expect(terminal.conversation.state).toBe('closed');

    const detail = await eventually(() => {
      const found = lab.getConversation(id);
      return found?.endedAt ? found : null;
    });
    const clientLines = detail.lines.filter((line) => line.dir === 'client');
    expect(clientLines[0]).toMatchObject({ text: 'EHLO terminal.example', tls: false });
    expect(clientLines.filter((line) => line.tls).map((line) => line.text)).toContain('Subject: typed by hand');
    expect(lab.listMessages().some((m) => m.subject === 'typed by hand' && m.conversation === id)).toBe(true);
    expect(detail.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(detail.lines[0]?.text).toMatch(/^Connected from 127\.0\.0\.1:\d+$/);
  });

  it('starts TLS even when the learner types before the terminal has read the greeting', async () => {
    // The tap reports the greeting before the terminal's socket has it; typing right then must not
    // make the terminal take the greeting for the reply to EHLO (and miss the 220 to STARTTLS).
    const terminal = await lab.openTerminal();
    const id = terminal.conversation.id;
    const typeEarly = (event: WireEvent) => {
      if (event.conversation !== id || event.dir !== 'server') return;
      lab.off('wire', typeEarly);
      terminal.send('EHLO early.example');
      terminal.send('STARTTLS');
    };
    lab.on('wire', typeEarly);
    await eventually(() => events.find((e) => e.conversation === id && e.info === 'tls'));
    terminal.send('NOOP');
    const noop = await eventually(() => events.find((e) => e.conversation === id && e.tls && e.dir === 'server'));
    expect(noop.text).toMatch(/^250 /);
    terminal.close();
  });

  it('holds lines typed before the greeting instead of letting the server say "talk too soon"', async () => {
    const terminal = await lab.openTerminal();
    const id = terminal.conversation.id;
    terminal.send('EHLO hasty.example'); // smtp-server holds its 220 for 100 ms; this comes first
    const lines = await eventually(() => {
      const server = events.filter((e) => e.conversation === id && e.dir === 'server');
      return server.some((e) => /^250 /.test(e.text)) ? server : null;
    });
    expect(lines[0]?.text).toMatch(/^220 /);
    expect(lines.some((e) => e.text.startsWith('421'))).toBe(false);
    expect(events.filter((e) => e.conversation === id && e.dir !== 'info').map((e) => e.dir).slice(0, 2)).toEqual(['server', 'client']);
    terminal.close();
  });

  it('holds what is typed right after STARTTLS until the handshake is done', async () => {
    const { terminal, id } = await greetedThenStartTls();
    terminal.send('NOOP'); // no wait: in plain text this would land in the TLS handshake
    const noop = await eventually(() => events.find((e) => e.conversation === id && e.dir === 'client' && e.text === 'NOOP'));
    expect(noop.tls).toBe(true);
    await eventually(() => events.find((e) => e.conversation === id && e.dir === 'server' && e.tls && e.text.startsWith('250')));
    expect(events.some((e) => e.conversation === id && e.info === 'error')).toBe(false);
    terminal.close();
  });

  it('keeps sending after a refused command of every kind, STARTTLS inside TLS included', async () => {
    const terminal = await lab.openTerminal();
    const id = terminal.conversation.id;
    let seen = (await nextReply(id, 0)).length;
    const codeOf = async (line: string) => {
      terminal.send(line);
      const lines = await nextReply(id, seen);
      seen += lines.length;
      return Number(lines.at(-1)?.text.slice(0, 3));
    };
    const bad = Buffer.from('\0someone@corp.test\0wrong').toString('base64');
    // Each refusal, then a valid command that must still reach the server and get its answer.
    const refusals: Array<[string, number]> = [
      ['MAIL FROM:<learner@lab.test>', 503], // before EHLO
      ['BOGUS', 500],
      ['EHLO', 501],
      ['BDAT 10', 500], // no CHUNKING: a command, and what follows is a command again
      ['AUTH PLAIN', 500], // AUTH is offered only inside TLS
    ];
    for (const [line, code] of refusals) {
      expect(await codeOf(line), line).toBe(code);
      expect(await codeOf('NOOP'), `NOOP after ${line}`).toBe(250);
    }
    expect(await codeOf('EHLO refused.example')).toBe(250);
    expect(await codeOf('STARTTLS')).toBe(220);
    await eventually(() => events.find((e) => e.conversation === id && e.info === 'tls'));
    expect(await codeOf('EHLO refused.example')).toBe(250);
    const insideTls: Array<[string, number]> = [
      ['STARTTLS', 503],
      ['AUTH CRAM-MD5', 504],
      [`AUTH PLAIN ${bad}`, 535],
      ['DATA', 503], // no transaction
    ];
    for (const [line, code] of insideTls) {
      expect(await codeOf(line), line).toBe(code);
      expect(await codeOf('NOOP'), `NOOP after ${line}`).toBe(250);
    }
    expect(await codeOf('MAIL FROM:<learner@lab.test>')).toBe(250);
    expect(await codeOf('MAIL FROM:<learner@lab.test>')).toBe(503); // nested MAIL
    expect(await codeOf('RSET')).toBe(250);
    terminal.close();
  });

  it('sends what is typed after a STARTTLS refused inside TLS (503), instead of holding it forever', async () => {
    const { terminal, id } = await greetedThenStartTls();
    terminal.send('EHLO quick.example'); // held until the handshake is done
    await eventually(() => events.find((e) => e.conversation === id && e.dir === 'server' && e.tls && e.text.startsWith('250 ')));
    terminal.send('STARTTLS');
    await eventually(() => events.find((e) => e.conversation === id && e.dir === 'server' && e.text.startsWith('503')));
    terminal.send('QUIT');
    const bye = await eventually(() => events.find((e) => e.conversation === id && e.dir === 'server' && e.text.startsWith('221')));
    expect(bye.tls).toBe(true);
  });

  it('close() drops the connection without QUIT and the conversation ends', async () => {
    const terminal = await lab.openTerminal();
    const id = terminal.conversation.id;
    await nextReply(id, 0);
    terminal.close();
    const ended = await eventually(() => lab.listConversations().find((c) => c.id === id && c.endedAt !== null));
    expect(ended.endedAt).not.toBeNull();
    expect(lab.getConversation(id)?.lines.at(-1)).toMatchObject({ info: 'closed', text: 'The client closed the connection' });
  });
});
