/**
 * Sockets of the world that are not hops: the silent tap used when nobody records, and the closed
 * port a host that is down stands for.
 */
import net from 'node:net';
import type { LabCertificates } from '../lab/certificates';
import { LineTap } from '../tap/line-tap';
import type { HopStart, HopTap } from './hop';

/** Without a caller's recorder the bytes still pass a LineTap, so TLS is terminated the same way. */
export function silentTap(certificates: LabCertificates, log: (message: string) => void): HopTap {
  return (hop, client, server, observe) => {
    new LineTap({ client, server, certPem: certificates.certPem, keyPem: certificates.keyPem, caPem: certificates.caPem, log, onEvent: observe, ...tapUpstream(hop) });
  };
}

/** Dial the closed port: rejects with the system's own ECONNREFUSED. */
export function dialClosedPort(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** A port on 127.0.0.1 that nothing listens on: bind one, note it, let it go. */
export async function findClosedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('Could not find a closed port');
  return address.port;
}

/** LineTap options for a hop to a server outside the lab (a smarthost); none for a lab host. */
export function tapUpstream(hop: HopStart): { implicitTls?: boolean; upstream?: { servername: string; ca?: string } } {
  if (!hop.upstream) return {};
  const { implicitTls, ...upstream } = hop.upstream;
  return { implicitTls, upstream };
}
