/**
 * A bare smtp-server with nothing in front, run as its own process by the benchmark: the floor that
 * the machine's cross-process scheduling alone sets for a NOOP round trip, and the delivery
 * throughput of smtp-server itself (its default onData reads each message and discards it).
 */
import { pathToFileURL } from 'node:url';
import { SMTPServer } from 'smtp-server';

/** Listening on a free loopback port; resolves with it. */
export function startPlainSmtpServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = new SMTPServer({ disableReverseLookup: true, authOptional: true, logger: false, hideSTARTTLS: true });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ port, close: () => new Promise<void>((done) => server.close(() => done())) });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { port, close } = await startPlainSmtpServer();
  process.stdout.write(`smtp: 127.0.0.1:${port}\n`);
  process.on('SIGTERM', () => void close().then(() => process.exit(0)));
}
