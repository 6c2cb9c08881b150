/**
 * For tests of the relay client against a real smtp-server of their own: the server on a loopback
 * port, and a connection to it through a recording LineTap, as every relay hop of the lab has one.
 */
import net from 'node:net';
import type { SMTPServer } from 'smtp-server';
import type { LabCertificates } from '../../bridge/lab/certificates';
import { LineTap, type TapEvent } from '../../bridge/tap/line-tap';
import type { LoopbackPairs } from '../../bridge/tap/loopback-pair';

/** Listen on a free port of 127.0.0.1; resolves with the port. */
export async function listenOnLoopback(server: SMTPServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.server.address() as net.AddressInfo).port;
}

export function closeServer(server: SMTPServer): Promise<void> {
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * A socket for the relay client, tapped to the server on `port`: each event the tap records goes
 * to `onEvent`, with the socket to the server (a test may cut it).
 */
export async function tappedConnection(
  pairs: LoopbackPairs,
  port: number,
  certificates: LabCertificates,
  onEvent: (event: TapEvent, upstream: net.Socket) => void,
): Promise<net.Socket> {
  const upstream = net.connect({ host: '127.0.0.1', port });
  await new Promise((resolve, reject) => upstream.once('connect', resolve).once('error', reject));
  const { near, far } = await pairs.pair();
  new LineTap({ client: far, server: upstream, ...certificates, onEvent: (event) => onEvent(event, upstream) });
  return near;
}
