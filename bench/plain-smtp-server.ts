/**
 * A bare smtp-server with nothing in front, run as its own process by the benchmark: the floor that
 * the machine's cross-process scheduling alone sets for a NOOP round trip, and the delivery
 * throughput of smtp-server itself (its default onData reads each message and discards it).
 */
import { SMTPServer } from 'smtp-server';

const server = new SMTPServer({ disableReverseLookup: true, authOptional: true, logger: false, hideSTARTTLS: true });
server.listen(0, '127.0.0.1', () => {
  const address = server.server.address();
  process.stdout.write(`smtp: 127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
