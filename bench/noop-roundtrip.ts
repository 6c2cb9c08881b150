/**
 * The round trip of a typed NOOP through the browser protocol (WebSocket -> bridge -> tap -> server
 * -> back as a wire event) against a NOOP over a direct TCP socket to the same lab SMTP server.
 * Both run in alternating rounds in one process so machine noise hits them alike.
 */
import { connect, type Socket } from 'node:net';
import { LabSocket } from '../tests/support/ws-client';
/** Where the bridge answers: its web address and its SMTP listener. */
export interface BridgeTarget {
  webUrl: string;
  smtp: { host: string; port: number };
}
import { summarize, type Summary } from './stats';

export interface Client {
  noop(): Promise<number>;
  close(): void;
}

export async function directClient(bridge: BridgeTarget): Promise<Client> {
  const socket: Socket = connect(bridge.smtp.port, bridge.smtp.host);
  socket.setNoDelay(true);
  let buffer = '';
  let waiting: ((line: string) => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    let end: number;
    while ((end = buffer.indexOf('\r\n')) !== -1) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      // Only the last line of a reply ("NNN ") completes it.
      if (/^\d{3} /.test(line) && waiting) {
        const resolve = waiting;
        waiting = null;
        resolve(line);
      }
    }
  });
  const send = (line: string) =>
    new Promise<string>((resolve) => {
      waiting = resolve;
      socket.write(`${line}\r\n`);
    });
  await new Promise<string>((resolve) => (waiting = resolve)); // greeting
  await send('EHLO bench.test');
  return {
    async noop() {
      const started = performance.now();
      await send('NOOP');
      return performance.now() - started;
    },
    close: () => socket.end('QUIT\r\n'),
  };
}

async function webSocketClient(bridge: BridgeTarget): Promise<Client> {
  const client = await LabSocket.open(bridge.webUrl);
  client.send({ type: 'terminal.open' });
  const opened = await client.next((m) => m.type === 'terminal.opened');
  if (opened.type !== 'terminal.opened') throw new Error('no terminal');
  const id = opened.conversation.id;
  await client.serverLine(id, '220 ');
  const ehlo = client.serverLine(id, '250 ');
  client.send({ type: 'terminal.line', conversation: id, text: 'EHLO bench.test' });
  await ehlo;
  return {
    async noop() {
      const started = performance.now();
      const reply = client.serverLine(id, '250 ');
      client.send({ type: 'terminal.line', conversation: id, text: 'NOOP' });
      await reply;
      // The client keeps every message; drop them so memory stays flat over thousands of rounds.
      client.received.length = 0;
      return performance.now() - started;
    },
    close: () => client.close(),
  };
}

export interface NoopResult {
  direct: Summary;
  webSocket: Summary;
}

export async function measureNoopRoundTrip(bridge: BridgeTarget, rounds = 10, perRound = 300): Promise<NoopResult> {
  const direct = await directClient(bridge);
  const web = await webSocketClient(bridge);
  const samples = { direct: [] as number[], web: [] as number[] };
  // Warm up both paths (JIT, TCP windows) before measuring.
  for (let i = 0; i < 200; i++) {
    await direct.noop();
    await web.noop();
  }
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < perRound; i++) samples.direct.push(await direct.noop());
    for (let i = 0; i < perRound; i++) samples.web.push(await web.noop());
  }
  direct.close();
  web.close();
  return { direct: summarize(samples.direct), webSocket: summarize(samples.web) };
}
