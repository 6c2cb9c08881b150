/**
 * Outbound to the real world: a second, separately started smtp-server on 127.0.0.1 that insists
 * on AUTH stands in for the provider's smarthost. Mail to an allowed outside domain arrives there
 * through a recorded hop; any other outside domain stays in the outside mailbox; the smarthost's
 * account shows up in no world event, no log line, no world page and no conversation as the lab
 * records it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateCertificates } from '../../bridge/lab/certificates';
import { Conversation } from '../../bridge/lab/conversations';
import { redactUrl } from '../../bridge/outbound/smarthost';
import { DEMO_CREDENTIALS } from '../../bridge/lab/smtp-server';
import { startTestBridge, type TestBridge } from '../support/lab-process';
import { startWorld, type RecordedHop, type WorldLab } from './world-harness';

const USER = 'relay-account';
const PASS = 'Sm@rt-h0st secret';

interface Received {
  from: string;
  to: string[];
  raw: string;
  user: string | undefined;
  secure: boolean;
}

async function startSmarthost(options: { secure: boolean; certificates?: { keyPem: string; certPem: string } }) {
  const received: Received[] = [];
  const server = new SMTPServer({
    secure: options.secure,
    ...(options.certificates ? { key: options.certificates.keyPem, cert: options.certificates.certPem } : { hideSTARTTLS: true }),
    // Plain AUTH on loopback for the smtp:// case: this test server is on this machine only.
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASS) return callback(null, { user: USER });
      callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: session.user as string | undefined,
          secure: session.secure,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { received, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The hop as the lab shows it: recorded by the tap, whose credential filter hides real accounts. */
function shownConversation(record: RecordedHop): string {
  const conversation = new Conversation('relay-x', 'relay', record.hop.address, 10_000);
  for (const event of record.events) conversation.add(event);
  return JSON.stringify(conversation.detail());
}

function secrets(): string[] {
  return [PASS, encodeURIComponent(PASS), Buffer.from(PASS).toString('base64'), Buffer.from(`\0${USER}\0${PASS}`).toString('base64'), USER];
}

describe.each([
  { name: 'smtp:// on loopback', secure: false },
  { name: 'smtps:// with the smarthost verified against its own CA', secure: true },
])('outbound through a smarthost ($name)', ({ secure }) => {
  let lab: WorldLab;
  let smarthost: Awaited<ReturnType<typeof startSmarthost>>;
  const logs: string[] = [];
  let certDir: string;

  beforeAll(async () => {
    // The smarthost's certificate comes from a CA of its own, which the outbound options trust.
    certDir = await mkdtemp(join(tmpdir(), 'smarthost-'));
    const certificates = await loadOrCreateCertificates(certDir);
    smarthost = await startSmarthost({ secure, ...(secure ? { certificates } : {}) });
    const scheme = secure ? 'smtps' : 'smtp';
    lab = await startWorld(
      {},
      {
        outbound: {
          relay: `${scheme}://${USER}:${encodeURIComponent(PASS)}@127.0.0.1:${smarthost.port}`,
          allowOutbound: ['allowed.example'],
          ...(secure ? { ca: certificates.caPem, servername: 'localhost' } : {}),
        },
        log: (line) => logs.push(line),
      },
    );
  });
  afterAll(async () => {
    await lab.close();
    await smarthost.close();
    await rm(certDir, { recursive: true, force: true });
  });

  it('delivers mail for an allowed domain to the smarthost, logged in, signed by lab.test, through a recorded hop', async () => {
    const queueId = await lab.submit({ to: ['friend@allowed.example'], subject: 'to the real world', login: true });
    expect(lab.eventsOf('recipient', queueId).map((e) => [e.recipient, e.outcome])).toEqual([['friend@allowed.example', 'delivered']]);
    expect(smarthost.received).toHaveLength(1);
    expect(smarthost.received[0]).toMatchObject({ from: 'learner@lab.test', to: ['friend@allowed.example'], user: USER, secure });
    expect(smarthost.received[0]!.raw).toMatch(/^DKIM-Signature: v=1; a=ed25519-sha256;[^]*d=lab\.test;/);
    const [hop] = lab.hopsOf(queueId);
    expect(hop?.hop).toMatchObject({ host: '127.0.0.1', client: { name: 'smtp.lab.test' } });
    expect(hop!.events.some((e) => e.dir === 'client' && /^AUTH /.test(e.text))).toBe(true);
    expect(lab.eventsOf('relay.hop', queueId)[0]).toMatchObject({ host: '127.0.0.1', domain: 'allowed.example' });
    const shown = shownConversation(hop!);
    expect(shown).toContain('[hidden: not a lab account]');
    for (const secret of secrets()) expect(shown).not.toContain(secret);
  });

  it('keeps mail sent without AUTH in the outside mailbox, even for an allowed domain, and says why', async () => {
    const before = smarthost.received.length;
    const queueId = await lab.submit({ from: 'ceo@allowed.example', to: ['friend@allowed.example'], subject: 'spoofed' });
    const [fate] = lab.eventsOf('recipient', queueId);
    expect(fate).toMatchObject({ recipient: 'friend@allowed.example', outcome: 'outside' });
    expect(fate?.response).toMatch(/only mail sent after logging in \(AUTH with the lab account\) leaves through the smarthost/);
    expect(lab.eventsOf('relay.connecting', queueId)).toHaveLength(0);
    expect(lab.events.some((e) => e.type === 'stored' && e.outside && e.mailbox === 'friend@allowed.example')).toBe(true);
    expect(smarthost.received).toHaveLength(before);
  });

  it('does not send the bounce of mail sent without AUTH through the smarthost (a forged sender)', async () => {
    const before = smarthost.received.length;
    const queueId = await lab.submit({ from: 'victim@allowed.example', to: ['nobody@example.test'], subject: 'backscatter' });
    const [bounce] = lab.eventsOf('bounce', queueId);
    expect(bounce?.to).toBe('victim@allowed.example');
    await lab.world.settled();
    expect(lab.eventsOf('recipient', bounce!.bounceQueueId)[0]).toMatchObject({ recipient: 'victim@allowed.example', outcome: 'outside' });
    expect(smarthost.received).toHaveLength(before);
  });

  it('sends the bounce of logged-in mail back through the smarthost', async () => {
    const before = smarthost.received.length;
    const queueId = await lab.submit({ from: 'me@allowed.example', to: ['nobody@example.test'], subject: 'my own typo', login: true });
    const [bounce] = lab.eventsOf('bounce', queueId);
    await lab.world.settled();
    expect(lab.eventsOf('recipient', bounce!.bounceQueueId)[0]).toMatchObject({ recipient: 'me@allowed.example', outcome: 'delivered' });
    expect(smarthost.received.slice(before).map((m) => m.to)).toEqual([['me@allowed.example']]);
  });

  it('keeps mail for an outside domain that is not allowed in the outside mailbox', async () => {
    const before = smarthost.received.length;
    const queueId = await lab.submit({ to: ['someone@elsewhere.example'] });
    expect(lab.eventsOf('recipient', queueId)[0]?.outcome).toBe('outside');
    expect(lab.eventsOf('relay.connecting', queueId)).toHaveLength(0);
    expect(smarthost.received).toHaveLength(before);
  });

  it('lab domains still go to the lab hosts, never to the smarthost', async () => {
    const before = smarthost.received.length;
    const queueId = await lab.submit({ to: ['bob@example.test'] });
    expect(lab.eventsOf('recipient', queueId)[0]).toMatchObject({ outcome: 'delivered', host: 'mx.example.test' });
    expect(smarthost.received).toHaveLength(before);
  });

  it('shows the smarthost without its account on the world page, in events and in logs', () => {
    expect(lab.world.describe().outbound).toEqual({ smarthost: `${secure ? 'smtps' : 'smtp'}://[account hidden]@127.0.0.1:${smarthost.port}`, allowed: ['allowed.example'] });
    const shown = JSON.stringify({ events: lab.events, logs, world: lab.world.describe() });
    for (const secret of secrets()) expect(shown).not.toContain(secret);
  });
});

describe('the running lab with a smarthost: only mail sent after AUTH leaves', () => {
  let bridge: TestBridge;
  let smarthost: Awaited<ReturnType<typeof startSmarthost>>;
  let caPem: string;

  beforeAll(async () => {
    smarthost = await startSmarthost({ secure: false });
    bridge = await startTestBridge({ outbound: { relay: `smtp://${USER}:${encodeURIComponent(PASS)}@127.0.0.1:${smarthost.port}`, allowOutbound: ['allowed.example'] } });
    caPem = await (await fetch(new URL('/api/ca.pem', bridge.webUrl))).text();
  });
  afterAll(async () => {
    await bridge?.close();
    await smarthost?.close();
  });

  /** An outside client on the lab's SMTP port (port 25's role), as swaks or an app would be. */
  async function sendFromOutside(login: boolean, from: string): Promise<string> {
    const transport = nodemailer.createTransport({
      host: bridge.smtp.host,
      port: bridge.smtp.port,
      tls: { ca: caPem, servername: 'localhost' },
      ...(login ? { requireTLS: true, auth: { ...DEMO_CREDENTIALS } } : {}),
    });
    try {
      const info = await transport.sendMail({ from, to: 'friend@allowed.example', subject: login ? 'logged in' : 'anonymous', text: 'hello\n' });
      const queueId = /queued as (\w+)/.exec(info.response)?.[1];
      if (!queueId) throw new Error(`no queue id in ${info.response}`);
      await bridge.lab.worldSettled();
      return queueId;
    } finally {
      transport.close();
    }
  }
  const fateOf = (queueId: string) => bridge.lab.worldEvents().find((e) => e.type === 'recipient' && e.queueId === queueId);

  it('keeps a client that did not log in (port 25, forged sender) out of the smarthost, and says why', async () => {
    const queueId = await sendFromOutside(false, 'ceo@allowed.example');
    expect(fateOf(queueId)).toMatchObject({ outcome: 'outside', response: expect.stringMatching(/only mail sent after logging in/) });
    expect(bridge.lab.mailbox('friend@allowed.example').map((m) => m.subject)).toContain('anonymous');
    expect(smarthost.received).toHaveLength(0);
  });

  it('sends mail from a client that logged in with the lab account through the smarthost', async () => {
    const queueId = await sendFromOutside(true, 'learner@lab.test');
    expect(fateOf(queueId)).toMatchObject({ outcome: 'delivered' });
    expect(smarthost.received.map((m) => [m.to, m.user])).toEqual([[['friend@allowed.example'], USER]]);
  });
});

describe('outbound settings', () => {
  it('redacts an account in any URL it prints', () => {
    expect(redactUrl('smtps://me:pw@smtp.example.com:465')).toBe('smtps://[account hidden]@smtp.example.com:465');
    expect(redactUrl('smtp://smtp.example.com')).toBe('smtp://smtp.example.com');
  });

  it('defers when the smarthost refuses the login, without quoting the account', async () => {
    const smarthost = await startSmarthost({ secure: false });
    const lab = await startWorld({}, { outbound: { relay: `smtp://${USER}:wrong-${encodeURIComponent(PASS)}@127.0.0.1:${smarthost.port}`, allowOutbound: ['allowed.example'] } });
    try {
      const queueId = await lab.submit({ to: ['friend@allowed.example'], login: true });
      const [result] = lab.eventsOf('recipient', queueId);
      expect(result).toMatchObject({ outcome: 'deferred', status: '4.7.0' });
      expect(result?.response).toMatch(/^The smarthost refused the relay's login: 535 /);
      expect(smarthost.received).toHaveLength(0);
      for (const secret of secrets()) expect(JSON.stringify(lab.events)).not.toContain(secret);
    } finally {
      await lab.close();
      await smarthost.close();
    }
  });
});
