/**
 * Generators of hostile SMTP byte streams: random bytes, command-like lines with every kind of line
 * ending, long lines, NULs, pipelined junk, and TLS ClientHellos cut short or corrupted.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Rng } from '../support/prng';

const VERBS = ['EHLO', 'HELO', 'MAIL FROM:', 'RCPT TO:', 'DATA', 'BDAT', 'RSET', 'NOOP', 'QUIT', 'VRFY', 'EXPN', 'HELP', 'STARTTLS', 'AUTH PLAIN', 'AUTH LOGIN', 'AUTH XOAUTH2', 'XCLIENT', 'ETRN', '.', '', 'mail from:<>', 'MAIL FROM:<a@b> SIZE=99999999999999999999', 'RCPT TO:<"\\"@lab.test>', 'MAIL FROM:<x@y> BODY=8BITMIME SMTPUTF8 RET=FULL ENVID=+2B'];
const ENDINGS = ['\r\n', '\r\n', '\n', '\r', '\r\r\n', '\n\r', ''];

function commandLine(rng: Rng): string {
  const verb = rng.pick(VERBS);
  const arg = rng.chance(0.5) ? rng.string(rng.int(0, 40)) : rng.chance(0.5) ? `<${rng.string(rng.int(0, 20))}@${rng.string(rng.int(0, 12))}>` : rng.unicode(rng.int(0, 10));
  return `${verb}${rng.chance(0.3) ? ' ' : ''}${arg}${rng.pick(ENDINGS)}`;
}

/** One chunk a hostile client writes. */
export function smtpChunk(rng: Rng): Buffer {
  switch (rng.int(0, 9)) {
    case 0:
      return rng.bytes(rng.int(1, 300));
    case 1:
      return Buffer.from(`${rng.pick(VERBS)} ${'x'.repeat(rng.pick([510, 998, 1000, 4_096, 20_000, 70_000]))}\r\n`, 'latin1');
    case 2:
      return Buffer.concat([Buffer.from(rng.pick(VERBS)), Buffer.alloc(rng.int(1, 20)), Buffer.from('\r\n')]);
    case 3:
      // Pipelined: a whole burst of commands in one write.
      return Buffer.from(Array.from({ length: rng.int(2, 40) }, () => commandLine(rng)).join(''), 'utf8');
    case 4:
      return Buffer.from(rng.pick(['\r', '\n', '\r\n', '\n\n\n', '\r\r\r', '.\r\n', '\r\n.\r\n', '..\r\n']).repeat(rng.int(1, 50)));
    case 5:
      // A transaction that may get as far as DATA, with a junk body and maybe its end.
      return Buffer.from(
        `EHLO fuzz.example\r\nMAIL FROM:<f@fuzz.example>\r\nRCPT TO:<x@lab.test>\r\nDATA\r\n${rng.unicode(rng.int(0, 200))}${rng.chance(0.5) ? '\r\n.\r\n' : ''}`,
        'utf8',
      );
    default:
      return Buffer.from(commandLine(rng), rng.chance(0.5) ? 'utf8' : 'latin1');
  }
}

let capturedHello: Buffer | null = null;

/** A real TLS ClientHello as Node sends it, captured from a loopback connection once. */
export async function clientHello(): Promise<Buffer> {
  if (capturedHello) return capturedHello;
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const hello = new Promise<Buffer>((resolve) => server.once('connection', (socket) => socket.once('data', (chunk: Buffer) => {
    resolve(chunk);
    socket.destroy();
  })));
  const client = tls.connect({ host: '127.0.0.1', port, servername: 'localhost' });
  client.on('error', () => {});
  capturedHello = await hello;
  client.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return capturedHello;
}

/** What a hostile client sends where TLS is expected: garbage, part of a ClientHello, or a corrupted one. */
export function tlsGarbage(rng: Rng, hello: Buffer): Buffer {
  switch (rng.int(0, 4)) {
    case 0:
      return rng.bytes(rng.int(1, 600));
    case 1:
      return hello.subarray(0, rng.int(1, hello.length - 1));
    case 2: {
      const bent = Buffer.from(hello);
      for (let n = rng.int(1, 8); n > 0; n--) bent[rng.int(0, bent.length - 1)] = rng.int(0, 255);
      return bent;
    }
    case 3: {
      // A record header that promises far more than ever comes.
      const header = Buffer.from(hello.subarray(0, 5));
      header.writeUInt16BE(rng.int(0, 0xffff), 3);
      return Buffer.concat([header, rng.bytes(rng.int(0, 40))]);
    }
    default:
      return Buffer.from(`${rng.pick(VERBS)}\r\n`);
  }
}
