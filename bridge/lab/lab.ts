/**
 * A running lab: the SMTP server, the outside-client listener, terminals, and the record of every
 * conversation. Each connection — from outside or from a terminal — goes client → tap → loopback
 * pair → smtp-server, so every line is recorded the same way and every reply is the server's own.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { Origin } from '../../core/wire';
import { LineTap } from '../tap/line-tap';
import { LoopbackPairs } from '../tap/loopback-pair';
import { loadOrCreateCertificates } from './certificates';
import { Conversations, type ConversationLimits, type Emit } from './conversations';
import type { Lab, LabOptions, TerminalSession } from './lab-types';
import { DEFAULT_MAX_MESSAGES, MessageStore } from './message-store';
import { createLabSmtpServer, DEMO_CREDENTIALS, type ServerLimits } from './smtp-server';
import { Terminal } from './terminal';

export interface LabSettings extends LabOptions {
  limits?: Partial<ServerLimits>;
  conversationLimits?: Partial<ConversationLimits>;
  maxMessages?: number;
  log?(message: string): void;
}

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
  const smtp = createLabSmtpServer({ certificates, store, limits: options.limits, log, onMessage: (message) => emit('message.stored', message) });
  const pairs = await LoopbackPairs.create();
  const taps = new Set<LineTap>();
  const loose = new Set<net.Socket>();
  let closing = false;

  /** Put a tap between a client socket and the server, under a new conversation. */
  async function serve(client: net.Socket, origin: Origin, remoteAddress: string, remotePort: number) {
    const conversation = conversations.start(origin, `${remoteAddress}:${remotePort}`);
    const onEarlyError = () => client.destroy();
    client.on('error', onEarlyError); // until the tap takes over
    loose.add(client);
    try {
      const { near, far } = await pairs.pair();
      if (closing || client.destroyed) {
        near.destroy();
        far.destroy();
        client.destroy();
        conversations.end(conversation);
        return;
      }
      const tap = new LineTap({
        client,
        server: near,
        certPem: certificates.certPem,
        keyPem: certificates.keyPem,
        caPem: certificates.caPem,
        log,
        onEvent: (event) => conversations.record(conversation, event),
        onClose: () => {
          taps.delete(tap);
          conversations.end(conversation);
        },
      });
      taps.add(tap);
      smtp.accept(far, { conversation: conversation.id, remoteAddress, remotePort });
    } catch (error) {
      log(`lab: could not serve ${conversation.id}: ${String(error)}`);
      conversations.record(conversation, { dir: 'info', info: 'error', text: 'The lab could not reach its SMTP server', at: 0, tls: false });
      client.destroy();
      conversations.end(conversation);
    } finally {
      loose.delete(client);
      client.off('error', onEarlyError);
    }
    return conversation;
  }

  const listener = net.createServer({ noDelay: true }, (socket) => {
    void serve(socket, 'external', socket.remoteAddress ?? '?', socket.remotePort ?? 0);
  });
  listener.on('error', (error) => log(`lab: SMTP listener: ${error.message}`));
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(options.smtpPort, options.host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  const address = listener.address();
  if (!address || typeof address === 'string') throw new Error('SMTP listener has no address');
  const smtpAddress = { host: options.host, port: address.port };
  const terminals = new Set<Terminal>();

  const lab: Lab = {
    info: {
      smtp: smtpAddress,
      credentials: { user: DEMO_CREDENTIALS.user, pass: DEMO_CREDENTIALS.pass },
      maxMessageSize: smtp.limits.maxMessageSize,
    },
    caPem: certificates.caPem,
    smtpAddress,
    listConversations: () => conversations.list(),
    getConversation: (id) => conversations.get(id)?.detail(),
    listMessages: () => store.list(),
    getRawMessage: (id) => store.raw(id),

    async openTerminal(): Promise<TerminalSession> {
      if (closing) throw new Error('The lab is closing');
      const { near, far } = await pairs.pair();
      const conversation = await serve(far, 'terminal', near.localAddress ?? '127.0.0.1', near.localPort ?? 0);
      if (!conversation) {
        near.destroy();
        throw new Error('The lab is closing');
      }
      const terminal = new Terminal({ socket: near, caPem: certificates.caPem, summary: () => conversation.summary() });
      terminals.add(terminal);
      near.once('close', () => terminals.delete(terminal));
      return terminal;
    },

    on(event, listener) {
      events.on(event, listener);
    },
    off(event, listener) {
      events.off(event, listener);
    },

    async close() {
      closing = true;
      const listenerClosed = new Promise<void>((resolve) => listener.close(() => resolve()));
      for (const terminal of terminals) terminal.close();
      for (const tap of taps) tap.destroy();
      for (const socket of loose) socket.destroy();
      await Promise.all([listenerClosed, smtp.close(), pairs.close()]);
    },
  };
  return lab;
}
