/**
 * The tap's TLS termination: towards the client it is the server (the lab certificate), towards
 * smtp-server it is the client (trusting only the lab CA). The client's raw bytes pass a record
 * counter on the way, which is all an eavesdropper on that wire would see.
 */
import type net from 'node:net';
import tls from 'node:tls';
import type { TlsRecord } from '../../core/wire';
import { clientContext, serverContext } from './secure-contexts';
import { RecordCountingStream } from './tls-records';

export interface TerminationOptions {
  client: net.Socket;
  server: net.Socket;
  certPem: string;
  keyPem: string;
  caPem: string;
  onRecord(record: TlsRecord): void;
  /** A server outside the lab: its own name, and its CA (absent: the system's CAs). */
  upstream?: { servername: string; ca?: string };
}

export interface Termination {
  client: tls.TLSSocket;
  server: tls.TLSSocket;
  /** Calls `then` once both handshakes are done. */
  whenSecure(then: () => void): void;
}

export function terminateTls(options: TerminationOptions): Termination {
  const counted = new RecordCountingStream(options.client, 'client', options.onRecord);
  // Shared contexts: one per certificate and per CA, not a key parse per connection.
  const client = new tls.TLSSocket(counted, { isServer: true, secureContext: serverContext(options.certPem, options.keyPem) });
  const upstream = options.upstream;
  const server = upstream
    ? tls.connect({ socket: options.server, servername: upstream.servername, secureContext: clientContext(upstream.ca) })
    : tls.connect({ socket: options.server, secureContext: clientContext(options.caPem), servername: 'localhost' });
  return {
    client,
    server,
    whenSecure(then) {
      let ready = 0;
      const onSecure = () => {
        if (++ready === 2) then();
      };
      client.once('secure', onSecure);
      server.once('secureConnect', onSecure);
    },
  };
}
