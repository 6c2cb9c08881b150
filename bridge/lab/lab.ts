/**
 * A running lab: the SMTP servers, the outside-client listeners (plain and implicit TLS),
 * terminals, deliveries from the compose form, the mail world they hand their mail to, and the
 * record of every conversation. Each
 * connection — from outside, a terminal or the compose client — goes client → tap → in-memory
 * socket pair → smtp-server, so every line is recorded the same way and every reply is the server's own.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { ConnectionProfile } from '../../core/protocol/delivery';
import type { Origin } from '../../core/wire';
import { Deliveries } from '../outbound/deliveries';
import { DELIVERY_TIMEOUTS, type DeliveryTimeouts } from '../outbound/timeouts';
import type { Gate } from '../tap/gate';
import { LineTap } from '../tap/line-tap';
import { LoopbackPairs } from '../tap/loopback-pair';
import { memorySocketPair } from '../tap/memory-pair';
import { loadOrCreateCertificates } from './certificates';
import { Conversations, type Conversation, type ConversationLimits, type Emit } from './conversations';
import type { Lab, LabOptions, TerminalSession } from './lab-types';
import { createLabWorld, type LabWorldOptions } from './lab-world';
import { DEFAULT_MAX_MESSAGES, MessageStore } from './message-store';
import { createLabSmtpServer, DEMO_CREDENTIALS, type LabSmtpServer, type ServerLimits, type ServerRole } from './smtp-server';
import { Terminal } from './terminal';

export interface LabSettings extends LabOptions {
  limits?: Partial<ServerLimits>;
  conversationLimits?: Partial<ConversationLimits>;
  maxMessages?: number;
  /** Tests shorten these to show what a pause longer than a timeout does. */
  deliveryTimeouts?: Partial<DeliveryTimeouts>;
  /** Tests run the world's clock without real timers, or with shorter waits. */
  world?: LabWorldOptions['world'];
  log?(message: string): void;
}

/** Where a connection goes once the tap has it. */
interface Route {
  server: LabSmtpServer;
  implicitTls?: boolean;
  gate?: Gate;
  onClose?(): void;
}

/** The server role behind each compose profile. */
const PROFILE_ROLES: Record<ConnectionProfile, ServerRole> = { submission: 'submission', smtps: 'smtps', plain: 'welcoming' };

export async function createLab(options: LabSettings): Promise<Lab> {
  const log = options.log ?? ((message: string) => console.error(message));
  const certificates = await loadOrCreateCertificates(options.stateDir);
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const emit: Emit = (event, ...args) => {
    try {
      events.emit(event, ...args);
    } catch (error) {
      log(`lab: ${event} listener failed: ${String(error)}`);
    }
  };
  const conversations = new Conversations(emit, options.conversationLimits, [DEMO_CREDENTIALS]);
  const store = new MessageStore(options.maxMessages ?? DEFAULT_MAX_MESSAGES);
  const timeouts: DeliveryTimeouts = { ...DELIVERY_TIMEOUTS, ...options.deliveryTimeouts };
  const labWorld = await createLabWorld({
    certificates,
    conversations,
    emit,
    accounts: [DEMO_CREDENTIALS],
    log,
    world: options.world,
    steppedDelivery: (conversation) => deliveries.list().find((d) => d.conversation === conversation && d.mode === 'step')?.id,
  });
  const { world, relaySteps } = labWorld;
  const server = (role: ServerRole, limits: Partial<ServerLimits> = {}) =>
    createLabSmtpServer({
      role,
      certificates,
      store,
      limits: { ...options.limits, ...limits },
      log,
      onMessage(message, accepted) {
        emit('message.stored', message);
        // After the 250, as a provider does: the mail is the lab's to pass on now.
        labWorld.accept(message, accepted);
      },
    });
  // Outside clients and the terminal: the welcoming port-25 role, and implicit TLS on the smtps port.
  const smtp = server('welcoming');
  const smtps = server('smtps');
  // A lesson's terminal may talk to the strict submission server (AUTH required) instead.
  const terminalSubmission = server('submission');
  // …or to lab.test's MX, which refuses to relay for strangers.
  const terminalMx = server('mx');
  // The compose client gets servers of its own, because only a stepped delivery may idle this long.
  const composeLimits = { socketTimeoutMs: timeouts.serverSocketMs };
  const composeServers: Record<ConnectionProfile, LabSmtpServer> = {
    submission: server(PROFILE_ROLES.submission, composeLimits),
    smtps: server(PROFILE_ROLES.smtps, composeLimits),
    plain: server(PROFILE_ROLES.plain, composeLimits),
  };
  const servers = [smtp, smtps, terminalSubmission, terminalMx, ...Object.values(composeServers)];
  const pairs = await LoopbackPairs.create();
  const taps = new Set<LineTap>();
  const loose = new Set<net.Socket>();
  let closing = false;

  /** Put a tap between a client socket and a server, under a new conversation. */
  async function serve(client: net.Socket, origin: Origin, remoteAddress: string, remotePort: number, route: Route): Promise<{ conversation: Conversation; tap: LineTap } | undefined> {
    const conversation = conversations.start(origin, `${remoteAddress}:${remotePort}`);
    const onEarlyError = () => client.destroy();
    client.on('error', onEarlyError); // until the tap takes over
    loose.add(client);
    try {
      // In memory, not loopback TCP: the kernel round trips of a second hop cost more than recording.
      const { near, far } = memorySocketPair({ remoteAddress, remotePort });
      if (closing || client.destroyed) {
        near.destroy();
        far.destroy();
        client.destroy();
        conversations.end(conversation);
        route.onClose?.();
        return undefined;
      }
      const tap = new LineTap({
        client,
        server: near,
        certPem: certificates.certPem,
        keyPem: certificates.keyPem,
        caPem: certificates.caPem,
        log,
        gate: route.gate,
        implicitTls: route.implicitTls,
        onEvent: (event) => conversations.record(conversation, event),
        onClose: () => {
          taps.delete(tap);
          conversations.end(conversation);
          route.onClose?.();
        },
      });
      taps.add(tap);
      route.server.accept(far, { conversation: conversation.id, remoteAddress, remotePort });
      return { conversation, tap };
    } catch (error) {
      log(`lab: could not serve ${conversation.id}: ${String(error)}`);
      conversations.record(conversation, { dir: 'info', info: 'error', text: 'The lab could not reach its SMTP server', at: 0, tls: false });
      client.destroy();
      conversations.end(conversation);
      route.onClose?.();
      return undefined;
    } finally {
      loose.delete(client);
      client.off('error', onEarlyError);
    }
  }

  const listeners: net.Server[] = [];
  async function listen(port: number, route: Route, name: string) {
    const listener = net.createServer({ noDelay: true }, (socket) => {
      void serve(socket, 'external', socket.remoteAddress ?? '?', socket.remotePort ?? 0, route);
    });
    listener.on('error', (error) => log(`lab: ${name} listener: ${error.message}`));
    listeners.push(listener);
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(port, options.host, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    const address = listener.address();
    if (!address || typeof address === 'string') throw new Error(`${name} listener has no address`);
    return { host: options.host, port: address.port };
  }
  let smtpAddress: { host: string; port: number };
  let smtpsAddress: { host: string; port: number };
  try {
    smtpAddress = await listen(options.smtpPort, { server: smtp }, 'SMTP');
    smtpsAddress = await listen(options.smtpsPort, { server: smtps, implicitTls: true }, 'SMTPS');
  } catch (error) {
    // A port in use must not leave the other listener or the servers behind.
    await Promise.all([...listeners.map((l) => new Promise((resolve) => l.close(resolve))), ...servers.map((s) => s.close()), pairs.close(), labWorld.close()]);
    throw error;
  }
  const terminals = new Set<Terminal>();

  const deliveries = new Deliveries({
    caPem: certificates.caPem,
    accounts: [DEMO_CREDENTIALS],
    demo: DEMO_CREDENTIALS,
    timeouts,
    hasMessage: (id) => store.raw(id) !== undefined,
    emit,
    async open(profile, gate, onClose) {
      if (closing) throw new Error('The lab is closing');
      const { near, far } = await pairs.pair();
      const route: Route = { server: composeServers[profile], implicitTls: profile === 'smtps', gate, onClose };
      const served = await serve(far, 'compose', near.localAddress ?? '127.0.0.1', near.localPort ?? 0, route);
      if (!served) {
        near.destroy();
        throw new Error('The lab is closing');
      }
      return { socket: near, conversation: served.conversation.id, destroy: () => served.tap.destroy() };
    },
  });

  const lab: Lab = {
    info: {
      smtp: smtpAddress,
      smtps: smtpsAddress,
      credentials: { user: DEMO_CREDENTIALS.user, pass: DEMO_CREDENTIALS.pass },
      maxMessageSize: smtp.limits.maxMessageSize,
    },
    caPem: certificates.caPem,
    smtpAddress,
    smtpsAddress,
    listConversations: () => conversations.list(),
    getConversation: (id) => conversations.get(id)?.detail(),
    listMessages: () => [...store.list(), ...labWorld.messages()],
    getRawMessage: (id) => store.raw(id) ?? labWorld.raw(id),

    async openTerminal(role = 'welcoming'): Promise<TerminalSession> {
      if (closing) throw new Error('The lab is closing');
      const { near, far } = await pairs.pair();
      const route = { server: role === 'submission' ? terminalSubmission : role === 'mx' ? terminalMx : smtp };
      const served = await serve(far, 'terminal', near.localAddress ?? '127.0.0.1', near.localPort ?? 0, route);
      const conversation = served?.conversation;
      if (!conversation) {
        near.destroy();
        throw new Error('The lab is closing');
      }
      const terminal = new Terminal({ socket: near, caPem: certificates.caPem, summary: () => conversation.summary() });
      terminals.add(terminal);
      near.once('close', () => terminals.delete(terminal));
      return terminal;
    },

    describeWorld: () => world.describe(),
    listMailboxes: () => labWorld.mailboxes(),
    mailbox: (address) => labWorld.mailbox(address),
    worldEvents: () => labWorld.events(),
    clockNow: () => world.clock.now(),
    advanceClock: (ms) => labWorld.advance(ms),
    worldSettled: () => world.settled(),

    listDeliveries: () => [...deliveries.list(), ...relaySteps.list()],
    send(compose, connection, mode) {
      if (closing) return Promise.reject(new Error('The lab is closing'));
      return deliveries.send(compose, connection, mode);
    },
    controlDelivery(id, action, intervalMs) {
      if (relaySteps.has(id)) relaySteps.control(id, action, intervalMs);
      else deliveries.control(id, action, intervalMs);
    },

    on(event, listener) {
      events.on(event, listener);
    },
    off(event, listener) {
      events.off(event, listener);
    },

    async close() {
      closing = true;
      const listenersClosed = listeners.map((listener) => new Promise<void>((resolve) => listener.close(() => resolve())));
      deliveries.close();
      for (const terminal of terminals) terminal.close();
      for (const tap of taps) tap.destroy();
      for (const socket of loose) socket.destroy();
      await Promise.all([...listenersClosed, ...servers.map((s) => s.close()), pairs.close(), labWorld.close()]);
    },
  };
  return lab;
}
