/**
 * The "%" hack (RFC 5321 §3.6.1): RCPT TO:<friend%fallback.test@lab.test> asks lab.test's MX to
 * pass the mail on to fallback.test, a relay in disguise. Over a real SMTP conversation, a stranger
 * is refused at RCPT with 550 5.7.1 (§4.1.1.3), by the lab's server in its MX role and by the
 * world's mx.lab.test alike, while a plain lab.test recipient is still taken.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../bridge/lab/lab-types';
import { eventually, startLab } from './smtp-client';

let lab: Lab;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ lab, stop } = await startLab());
});
afterAll(() => stop());

async function conversation(target: 'mx' | { host: string }) {
  const terminal = await lab.openTerminal(target);
  const id = terminal.conversation.id;
  const server = () => lab.getConversation(id)?.lines.filter((line) => line.dir === 'server').map((line) => line.text) ?? [];
  const reply = async (line: string) => {
    const before = server().length;
    terminal.send(line);
    return eventually(() => server().slice(before).find((text) => /^\d{3} /.test(text)));
  };
  await eventually(() => server().some((text) => text.startsWith('220 ')));
  return { reply, close: () => terminal.close() };
}

describe('the % hack', () => {
  it.each([['the lab server as lab.test\'s MX', 'mx' as const], ['mx.lab.test', { host: 'mx.lab.test' }]])('is refused at RCPT by %s, as a relay for a stranger', async (_name, target) => {
    const session = await conversation(target);
    expect(await session.reply('EHLO stranger.example')).toMatch(/^250 /);
    expect(await session.reply('MAIL FROM:<someone@elsewhere.test>')).toMatch(/^250 /);
    expect(await session.reply('RCPT TO:<friend%fallback.test@lab.test>')).toBe(
      '550 5.7.1 Relay access denied: a % or ! in the local part asks this host to pass the mail on, and it relays for no stranger',
    );
    expect(await session.reply('RCPT TO:<fallback.test!friend@lab.test>')).toMatch(/^550 5\.7\.1 /);
    expect(await session.reply('RCPT TO:<learner@lab.test>')).toMatch(/^250 /);
    session.close();
  });
});
