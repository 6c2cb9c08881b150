/**
 * TLS session resumption on the relay's own connections: the relay keeps the ticket a host gave it
 * and offers it on the next connection to that host, whose handshake then skips the certificate.
 * Checked on the relay's TLS socket itself (isSessionReused), through a recording tap (which
 * terminates TLS as every hop's does) to a real smtp-server with STARTTLS and the lab certificate,
 * as the lab's mail hosts run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadOrCreateCertificates, type LabCertificates } from '../../bridge/lab/certificates';
import { LoopbackPairs } from '../../bridge/tap/loopback-pair';
import { SharedContextSMTPServer } from '../../bridge/tap/shared-context-server';
import { relayToDomain } from '../../bridge/world/relay-client';
import { TlsSessions } from '../../bridge/world/tls-sessions';
import type { MxAnswer } from '../../core/world/lab-dns';
import { closeServer, listenOnLoopback, tappedConnection } from './relay-host';

let stateDir: string;
let certificates: LabCertificates;
let server: SharedContextSMTPServer;
let port: number;
let pairs: LoopbackPairs;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'relay-tls-resume-'));
  certificates = await loadOrCreateCertificates(stateDir);
  pairs = await LoopbackPairs.create();
  server = new SharedContextSMTPServer({
    name: 'mx.resume.test',
    key: certificates.keyPem,
    cert: certificates.certPem,
    authOptional: true,
    disabledCommands: ['AUTH'],
    disableReverseLookup: true,
    logger: false,
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => callback(null, 'Ok: queued'));
    },
  });
  port = await listenOnLoopback(server);
});

afterAll(async () => {
  await closeServer(server);
  await pairs.close();
  await rm(stateDir, { recursive: true, force: true });
});

const answer: MxAnswer = { domain: 'resume.test', kind: 'mx', records: [], candidates: [{ exchange: 'mx.resume.test', preference: 10, address: '192.0.2.98' }] };

/** Records, for each connection the relay made, whether its TLS handshake resumed an earlier session. */
class WatchedTlsSessions extends TlsSessions {
  readonly resumed: boolean[] = [];
  override watch(host: string, connection: SMTPConnection): void {
    const socket = connection._socket;
    if (socket instanceof tls.TLSSocket) this.resumed.push(socket.isSessionReused());
    super.watch(host, connection);
  }
}

async function relayOne(tlsSessions: TlsSessions | undefined): Promise<string> {
  const [result] = await relayToDomain({
    answer,
    recipients: [{ address: 'bob@resume.test', notify: null, orcpt: null }],
    envelopeFrom: 'learner@lab.test',
    raw: Buffer.from('From: learner@lab.test\r\nSubject: resume\r\n\r\nhello\r\n'),
    dsn: { ret: null, envid: null },
    clientName: 'smtp.lab.test',
    caPem: certificates.caPem,
    requireTls: true,
    async open(_candidate, observe) {
      return { socket: await tappedConnection(pairs, port, certificates, observe) };
    },
    onConnecting: () => {},
    onUnreachable: (_candidate, error) => {
      throw new Error(`unexpected: ${error}`);
    },
    ...(tlsSessions ? { tlsSessions } : {}),
  });
  return result?.outcome === 'delivered' ? 'delivered' : `${result?.outcome}: ${result?.response}`;
}

it("resumes the TLS session of the relay's last connection to the host", async () => {
  const sessions = new WatchedTlsSessions();
  expect([await relayOne(sessions), await relayOne(sessions), await relayOne(sessions)]).toEqual(['delivered', 'delivered', 'delivered']);
  expect(sessions.resumed).toEqual([false, true, true]);
});

it('does a full handshake every time when no session is offered', async () => {
  class Forgetful extends WatchedTlsSessions {
    override take(): undefined {
      return undefined;
    }
  }
  const forgetful = new Forgetful();
  await relayOne(forgetful);
  await relayOne(forgetful);
  expect(forgetful.resumed).toEqual([false, false]);
});
