/**
 * A running lab: the SMTP servers, the outside-client listeners (plain and implicit TLS),
 * terminals, deliveries from the compose form, the mail world they hand their mail to, and the
 * record of every conversation. Every connection goes through the lab's taps (lab-connections.ts);
 * what a lab is started with is in lab-settings.ts.
 */
import { EventEmitter } from 'node:events';
import type { WorldEvent } from '../../core/world/world-events';
import { Deliveries } from '../outbound/deliveries';
import { DELIVERY_TIMEOUTS, type DeliveryTimeouts } from '../outbound/timeouts';
import type { LabAccount } from '../../core/smtp/credential-filter';
import { Conversations, type Emit } from './conversations';
import { LabConnections, type Route } from './lab-connections';
import { createLabShared, type LabShared } from './lab-shared';
import { LabLimitError, UnreachableHostError, type Lab, type TerminalSession } from './lab-types';
import { createLabWorld } from './lab-world';
import { LabScenario } from './lab-scenario';
import { LabServers } from './lab-servers';
import { countedOnly, DEFAULT_LOCAL_LAB_BYTES, describeDrops, LabBudget, largestMessageWithin, MB, type DroppedRecord } from './lab-budget';
import { DEFAULT_MAX_MESSAGES, MessageStore } from './message-store';
import { headerReader } from './header-reader';
import { DEFAULT_LIMITS, DEMO_CREDENTIALS, type AcceptedMessage, type ServerLimits } from './smtp-server';
import { Terminal } from './terminal';
import { LabDatabase } from '../store/lab-database';
import { handOnUnqueued, restoreLab } from '../store/restore-lab';
import { createLabClock } from '../world/lab-clock';
import { ServerSeat } from '../seat/server-seat';
import { createInboxChores } from './inbox-chores';
import { searchLab } from '../search/lab-search';
import { MAX_RELAY_BACKLOG, type LabSettings } from './lab-settings';

export { MAX_RELAY_BACKLOG, type LabSettings };

export async function createLab(options: LabSettings): Promise<Lab> {
  const log = options.log ?? ((message: string) => console.error(message));
  const ownShared = options.shared ? null : await createLabShared(options.stateDir, { host: options.host, publicHost: options.publicHost });
  const shared: LabShared = options.shared ?? (ownShared as LabShared);
  const { certificates, pairs } = shared;
  const accounts: LabAccount[] = options.account ? [DEMO_CREDENTIALS, options.account] : [DEMO_CREDENTIALS];
  const shownAccount = options.account ?? DEMO_CREDENTIALS;
  const maxOpen = options.maxOpenConversations ?? Number.POSITIVE_INFINITY;
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const emit: Emit = (event, ...args) => {
    try {
      events.emit(event, ...args);
    } catch (error) {
      log(`lab: ${event} listener failed: ${String(error)}`);
    }
  };
  const database = options.dataFile ? LabDatabase.open(options.dataFile, log) : null;
  const kept = database?.load();
  const maxLabBytes = options.maxLabBytes ?? DEFAULT_LOCAL_LAB_BYTES;
  const budget = new LabBudget(maxLabBytes, (dropped) => tellDropped(dropped));
  const conversations = new Conversations(emit, options.conversationLimits, () => budget.enforce(), database?.conversations);
  const maxMessages = options.maxMessages ?? DEFAULT_MAX_MESSAGES;
  // Bytes are the budget's to count, across everything the lab keeps; the store keeps its count limit.
  const store = new MessageStore(
    maxMessages,
    Number.POSITIVE_INFINITY,
    (ids) => emit('messages.dropped', ids, `This lab keeps at most ${maxMessages} messages: the oldest were removed to make room.`),
    database?.messages,
  );
  function tellDropped(dropped: DroppedRecord[]): void {
    const { messages, reason, mailboxCopies, conversations: forgotten } = describeDrops(dropped, maxLabBytes);
    emit('messages.dropped', messages, reason, { mailboxCopies, conversations: forgotten });
  }
  const timeouts: DeliveryTimeouts = { ...DELIVERY_TIMEOUTS, ...options.deliveryTimeouts };
  const labWorld = await createLabWorld({
    certificates,
    conversations,
    emit,
    accounts,
    log,
    world: {
      pairs,
      closedPort: shared.closedPort,
      dkim: shared.dkim,
      // The lab clock resumes as far ahead of real time as it was.
      ...(database ? { clock: createLabClock({ log, offsetMs: kept?.clockOffsetMs ?? 0, onMoved: (offset) => database.clockMoved(offset) }) } : {}),
      writers: database ? { mailboxes: database.mailboxes, queue: database.queue, zone: (zone) => database.zoneChanged(zone) } : null,
      ...options.world,
      // A lab starting on its database keeps the domain it had (a hosted lab's is random), and its zone.
      ...(kept?.learnerZone ? { learnerDomain: kept.learnerZone.domain, learnerZone: kept.learnerZone } : {}),
      seat: { relayHop: (...args) => seat.relayHop(...args) },
    },
    steppedDelivery: (conversation) => deliveries.list().find((d) => d.conversation === conversation && d.mode === 'step' && d.stepHops === true)?.id,
  });
  const { world, relaySteps } = labWorld;
  const asked: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const serverLimits: ServerLimits = { ...asked, maxMessageSize: largestMessageWithin(maxLabBytes, asked.maxMessageSize) };
  budget.track(conversations);
  budget.track(store);
  budget.track(world.mailboxStore);
  budget.track(countedOnly(() => world.heldBytes()));
  if (kept) restoreLab(kept, { conversations, store, labWorld, budget });
  // Mail arriving in a mailbox or the queue (a bounce) grows the lab as much as mail it accepted.
  events.on('world.event', (event: WorldEvent) => {
    if (event.type === 'stored' || event.type === 'queued') budget.enforce();
  });
  function keepMessage(accepted: AcceptedMessage): void {
    const { id } = accepted;
    // Announced once its list fields are read: at once, or when a worker has read a big header block.
    headerReader.whenRead(accepted.raw, () => {
      // Dropped meanwhile to make room: the page has heard of that instead.
      if (!store.raw(id)) return;
      emit('message.stored', () => {
        const summary = store.summary(id);
        if (!summary) throw new Error(`message ${id} is no longer kept`);
        return summary;
      });
    });
    // After the 250, as a provider does: the mail is the lab's to pass on now.
    labWorld.accept(accepted);
    budget.enforce();
  }
  /** A relay queue this long means mail arrives faster than the world can carry it on: wait. */
  function busy(): string | null {
    const limit = options.maxRelayBacklog ?? MAX_RELAY_BACKLOG;
    if (world.backlog().held >= limit) return `The lab's relay queue is full (its limit is ${limit} messages); try again shortly`;
    // Queued mail is never dropped to make room, so a queue holding half the budget takes no more.
    if (world.heldBytes() >= maxLabBytes / 2) return `The lab's relay queue holds half of its ${Math.round(maxLabBytes / MB)} MB budget; try again shortly`;
    return null;
  }
  const servers = new LabServers({
    certificates,
    store,
    accounts,
    log,
    composeSocketTimeoutMs: timeouts.serverSocketMs,
    busy,
    limits: serverLimits,
    onMessage: keepMessage,
  });
  let closing = false;
  const connections = new LabConnections({ conversations, certificates, accounts, closing: () => closing, log });
  const listen = (port: number, route: Route, name: string) => connections.listen(options.host, port, route, name);
  let smtpAddress: { host: string; port: number };
  let smtpsAddress: { host: string; port: number };
  if (options.outside) {
    ({ smtp: smtpAddress, smtps: smtpsAddress } = options.outside);
  } else {
    try {
      smtpAddress = await listen(options.smtpPort, { server: () => servers.smtp() }, 'SMTP');
      smtpsAddress = await listen(options.smtpsPort, { server: () => servers.smtps(), implicitTls: true }, 'SMTPS');
    } catch (error) {
      // A port in use must not leave the other listener or the servers behind.
      await Promise.all([connections.close(), labWorld.close(), ownShared?.close()]);
      database?.close();
      throw error;
    }
  }
  /** Outside conversations adopted from the bridge's own listeners (hosted mode), to drop at close. */
  const adopted = new Set<() => void>();
  const openCount = () => conversations.openCount();
  function roomForOne(): void {
    if (closing) throw new LabLimitError('The lab is closing');
    if (openCount() >= maxOpen) {
      throw new LabLimitError(`This lab already has ${maxOpen} open conversations, its limit: end one (QUIT or Disconnect) and try again.`);
    }
  }
  const terminals = new Set<Terminal>();
  const scenario = new LabScenario(world);
  /** Straight to a world host's server, through the lab's own tap, so the conversation is the learner's. */
  function hostRoute(name: string): Route {
    const host = world.hostServer(name);
    if (host === 'down') throw new UnreachableHostError(`${name} refused the connection: it is down.`);
    if (!host) throw new UnreachableHostError(`${name} is no mail host of this lab's world.`);
    return { server: () => host };
  }

  const seat: ServerSeat = new ServerSeat({
    host: '127.0.0.1',
    certificates,
    serve: (...args) => connections.serve(...args),
    pair: () => pairs.pair(),
    roomForOne,
    enqueue: (message) => {
      // The same bound as mail offered on the SMTP ports: a full queue takes nothing more.
      const full = busy();
      if (full) throw new LabLimitError(full);
      return world.enqueue(message);
    },
    account: shownAccount,
    ...(options.seatTimeoutMs ? { timeoutMs: options.seatTimeoutMs } : {}),
    onOpened: (info) => emit('seat.opened', info),
    onReport: (report) => emit('seat.client', report),
    log,
  });

  const deliveries = new Deliveries({
    caPem: certificates.caPem,
    accounts,
    demo: shownAccount,
    timeouts,
    hasMessage: (id) => store.raw(id) !== undefined,
    emit,
    async open(profile, gate, onClose, onEvent) {
      roomForOne();
      // nodemailer gets loopback TCP: its connection timeout and its pipelined writes behave as
      // against any server only on a real socket.
      const { near, far } = await pairs.pair();
      const route: Route = { server: () => servers.compose(profile), implicitTls: profile === 'smtps', gate, onClose, onEvent };
      const served = await connections.serve(far, 'compose', near.localAddress ?? '127.0.0.1', near.localPort ?? 0, route);
      if (!served) {
        near.destroy();
        throw new Error('The lab is closing');
      }
      return { socket: near, conversation: served.conversation.id, destroy: () => served.tap.destroy() };
    },
  });

  if (kept) handOnUnqueued(kept, labWorld);

  const lab: Lab = {
    info: {
      smtp: options.publicHost ? { ...smtpAddress, host: options.publicHost } : smtpAddress,
      smtps: options.publicHost ? { ...smtpsAddress, host: options.publicHost } : smtpsAddress,
      credentials: { user: shownAccount.user, pass: shownAccount.pass },
      maxMessageSize: serverLimits.maxMessageSize,
      learnerDomain: world.learner.domain,
      ...(options.hosted ? { hosted: options.hosted } : {}),
    },
    caPem: certificates.caPem,
    smtpAddress,
    smtpsAddress,
    listConversations: () => conversations.list(),
    getConversation: (id) => conversations.get(id)?.detail(),
    kept: () => ({ bytes: budget.bytes, maxBytes: budget.maxBytes }),
    conversationPage: (id, page) => conversations.get(id)?.page(page),
    listMessages: () => [...store.list(), ...labWorld.messages()],
    getRawMessage: (id) => store.raw(id) ?? labWorld.raw(id),

    async openTerminal(target = 'welcoming'): Promise<TerminalSession> {
      roomForOne();
      const route = typeof target === 'string' ? { server: () => servers.terminal(target) } : hostRoute(target.host);
      const { near, far, port } = connections.clientPair();
      // A terminal that talks to a world host speaks for the lab's relay: the host sees its address.
      const from = typeof target === 'string' ? '127.0.0.1' : world.definition.relay.address;
      const served = await connections.serve(far, 'terminal', from, port, route);
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

    applyScenario(next, { fresh = true } = {}) {
      if (!fresh && scenario.holds(next)) return;
      if (fresh) world.endIdleConnections();
      const removed = scenario.apply(next);
      if (removed.length) emit('messages.dropped', [], 'The lesson’s scenario was undone: the messages it had put in mailboxes are gone.', { mailboxCopies: removed, conversations: [] });
      emit('world.changed', world.describe(), labWorld.mailboxes());
      budget.enforce();
    },

    seat,
    describeWorld: () => world.describe(),
    learnerDomain: world.learner,
    mtaStsPolicy: (domain) => world.mtaStsPolicy(domain),
    setTamper(host, mode) {
      world.setTamper(host, mode);
      emit('world.changed', world.describe(), labWorld.mailboxes());
    },
    listMailboxes: () => labWorld.mailboxes(),
    search: (query) => searchLab(query, world.mailboxStore, conversations.all()),
    inbox: createInboxChores(world.mailboxStore, () => emit('world.changed', world.describe(), labWorld.mailboxes())),
    mailbox: (address) => labWorld.mailbox(address),
    worldEvents: () => labWorld.events(),
    worldEventsFirst: () => labWorld.eventsFirst(),
    clockNow: () => world.clock.now(),
    advanceClock: (ms) => labWorld.advance(ms),
    worldSettled: () => world.settled(),
    relayQueue: () => world.backlog(),

    listDeliveries: () => [...deliveries.list(), ...relaySteps.list()],
    listGates: () => [...deliveries.gates(), ...relaySteps.gates()],
    send(compose, connection, mode, options) {
      if (closing) return Promise.reject(new Error('The lab is closing'));
      return deliveries.send(compose, connection, mode, options);
    },
    controlDelivery(id, action, intervalMs) {
      if (relaySteps.has(id)) relaySteps.control(id, action, intervalMs);
      else deliveries.control(id, action, intervalMs);
    },

    openConversationCount: openCount,
    adoptOutside(peer, earlier, drop, reading) {
      roomForOne();
      const conversation = conversations.start('external', peer);
      conversation.readFrom(reading);
      for (const event of earlier) conversations.record(conversation, event);
      adopted.add(drop);
      return {
        id: conversation.id,
        record: (event) => conversations.record(conversation, event),
        end() {
          adopted.delete(drop);
          conversations.end(conversation);
        },
        target: { store, conversation: conversation.id, onMessage: keepMessage, busy },
      };
    },

    on(event, listener) {
      events.on(event, listener);
    },
    off(event, listener) {
      events.off(event, listener);
    },

    async close() {
      closing = true;
      deliveries.close();
      for (const terminal of terminals) terminal.close();
      const connectionsClosed = connections.close();
      for (const drop of adopted) drop();
      await Promise.all([connectionsClosed, servers.close(), labWorld.close(), seat.close()]);
      await ownShared?.close();
      // Every connection is gone now, even where its socket has not said so yet: the database
      // keeps each conversation as ended.
      for (const conversation of conversations.all()) conversations.end(conversation);
      database?.close();
    },
  };
  return lab;
}
