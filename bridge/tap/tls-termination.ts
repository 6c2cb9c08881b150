/**
 * The tap's TLS termination: towards the client it is the server (the lab certificate), towards
 * smtp-server it is the client (trusting only the lab CA). The client's raw bytes pass a record
 * counter on the way, which is all an eavesdropper on that wire would see.
 */
import type net from 'node:net';
import tls from 'node:tls';
import type { TlsRecord } from '../../core/wire';
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
  const client = new tls.TLSSocket(counted, { isServer: true, cert: options.certPem, key: options.keyPem });
  const upstream = options.upstream;
  const server = upstream
    ? tls.connect({ socket: options.server, servername: upstream.servername, ...(upstream.ca ? { ca: upstream.ca } : {}) })
    : tls.connect({ socket: options.server, ca: options.caPem, servername: 'localhost' });
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
