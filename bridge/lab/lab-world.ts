/**
 * The lab's side of the mail world: what the lab's own servers accept goes into the world's queue
 * after the 250, every relay hop becomes a recorded conversation (origin 'relay') in the same
 * registry as the others, and what lands in a mailbox is listed beside the accepted messages.
 */
import type { MessageSummary } from '../../core/wire';
import type { MailboxSummary, WorldEvent } from '../../core/world/world-events';
import type { LearnerZone } from '../../core/world/learner-zone';
import type { LabAccount } from '../../core/smtp/credential-filter';
import { LineTap } from '../tap/line-tap';
import type { StoredMessage } from '../world/mailboxes';
import { createWorld, type HopTap, type World, type WorldOptions } from '../world/world';
import { tapUpstream } from '../world/world-sockets';
import type { LabCertificates } from './certificates';
import type { Conversations, Emit } from './conversations';
import type { AcceptedMessage } from './smtp-server';
import { headerReader } from './header-reader';
import { RelaySteps } from './relay-steps';

/** World events kept for a page that connects later; the journey of recent mail fits in this. */
export const MAX_WORLD_EVENTS = 500;
/** Mailbox deliveries listed beside the accepted messages (the mailboxes themselves keep more). */
export const MAX_LISTED_DELIVERIES = 500;

export interface LabWorldOptions {
  certificates: LabCertificates;
  conversations: Conversations;
  emit: Emit;
  accounts: readonly LabAccount[];
  /** The stepped delivery a submission conversation belongs to, if it is one. */
  steppedDelivery(conversation: string): string | undefined;
  log(message: string): void;
  /** The rest of the world's options: tests pass a clock without real timers or shorter waits. */
  world?: Omit<WorldOptions, 'certificates' | 'tap' | 'onEvent' | 'onZoneChange' | 'log'>;
}

export interface LabWorld {
  readonly world: World;
  readonly relaySteps: RelaySteps;
  /** Queue what a lab server accepted (its 250 is already out). */
  accept(accepted: AcceptedMessage): void;
  /** Recent mailbox deliveries, oldest first, each with its mailbox. */
  messages(): MessageSummary[];
  raw(id: string): Buffer | undefined;
  mailboxes(): MailboxSummary[];
  mailbox(address: string): MessageSummary[];
  events(): WorldEvent[];
  /** How many events came before the first that events() returns. */
  eventsFirst(): number;
  /** Fast-forward the lab clock, running each wait that falls due; resolves with the new time. */
  advance(ms: number): Promise<number>;
  close(): Promise<void>;
}

export async function createLabWorld(options: LabWorldOptions): Promise<LabWorld> {
  const { certificates, conversations, emit, log } = options;
  const events: WorldEvent[] = [];
  /** Events forgotten from the front of `events`. */
  let forgotten = 0;
  /** Queue id → the stepped delivery whose mail it is; its first hop is held at a gate too. */
  const stepped = new Map<string, string>();
  /** Hop conversation → the first mailbox copy it delivered. */
  const storedBy = new Map<string, string>();
  const taps = new Set<LineTap>();
  const relaySteps = new RelaySteps({ accounts: options.accounts, emit, storedBy: (conversation) => storedBy.get(conversation) ?? null });
  let world: World | null = null;

  const tap: HopTap = (hop, client, server, observe) => {
    const conversation = conversations.start('relay', `${hop.client.name} → ${hop.host}`);
    // Only the first try is stepped: a retry comes after the learner fast-forwarded the clock.
    const parent = hop.attempt === 1 && hop.queueId ? stepped.get(hop.queueId) : undefined;
    const step = parent ? relaySteps.start(hop, conversation.id, parent) : null;
    const line: LineTap = new LineTap({
      client,
      server,
      certPem: certificates.certPem,
      keyPem: certificates.keyPem,
      caPem: certificates.caPem,
      // A hop to the smarthost verifies that server's own certificate, and speaks TLS at once for smtps://.
      ...tapUpstream(hop),
      log,
      accounts: options.accounts,
      gate: step?.gate,
      onEvent: (event) => {
        // The relay's reading first: what the hop decided must not hang on the record.
        observe(event);
        conversations.record(conversation, event, hop.hop);
        step?.observe(event);
      },
      onClose: () => {
        taps.delete(line);
        conversations.end(conversation);
        step?.closed();
      },
    });
    taps.add(line);
    conversation.readFrom(line);
    step?.attach(() => line.destroy());
    return { conversation: conversation.id };
  };

  const onEvent = (event: WorldEvent) => {
    events.push(event);
    if (events.length > MAX_WORLD_EVENTS + 50) forgotten += events.splice(0, events.length - MAX_WORLD_EVENTS).length;
    if (event.type === 'bounce') {
      const parent = stepped.get(event.queueId);
      if (parent) stepped.set(event.bounceQueueId, parent);
    }
    if (event.type === 'done') stepped.delete(event.queueId);
    emit('world.event', event);
    if (event.type === 'stored') stored(event);
  };

  function stored(event: Extract<WorldEvent, { type: 'stored' }>): void {
    const message = world?.mailbox(event.mailbox).find((m) => m.id === event.messageId);
    if (!message) return;
    if (message.conversation && !storedBy.has(message.conversation)) storedBy.set(message.conversation, message.id);
    if (storedBy.size > MAX_LISTED_DELIVERIES * 2) storedBy.delete(storedBy.keys().next().value ?? '');
    headerReader.whenRead(message.raw, () => emit('message.stored', () => summaryOf(message)));
  }

  function summaryOf(message: StoredMessage): MessageSummary {
    // Only messages the world handed out reach here, so it is running.
    if (!world) throw new Error('The mail world is not running');
    return world.summary(message);
  }

  // A stepped hop is held at its gate: other mail must not ride on its session.
  const exclusiveHop = (queueId: string, attempt: number) => attempt === 1 && stepped.has(queueId);
  // Every page of this lab sees the learner's records the moment they change, whoever changed them:
  // the records themselves for the zone editor, the world's description for the domain cards.
  const onZoneChange = (zone: LearnerZone) => {
    emit('zone.changed', zone);
    if (world) emit('world.changed', world.describe(), world.mailboxes());
  };
  const created = await createWorld({ certificates, tap, onEvent, onZoneChange, log, exclusiveHop, ...options.world });
  world = created;
  let clockTurn: Promise<unknown> = Promise.resolve();
  let closed = false;

  return {
    world: created,
    relaySteps,
    accept(accepted) {
      if (closed) return;
      const parent = options.steppedDelivery(accepted.conversation);
      if (parent) stepped.set(accepted.id, parent);
      created.enqueue({
        raw: accepted.raw,
        envelopeFrom: accepted.envelopeFrom,
        envelopeTo: accepted.recipients,
        queueId: accepted.id,
        conversation: accepted.conversation,
        dsn: accepted.dsn,
        authenticated: accepted.authenticated,
      });
    },
    // Read from the mailboxes themselves: a copy the lab's budget dropped is gone from the list too.
    messages: () => created.mailboxStore.recent(MAX_LISTED_DELIVERIES).map(summaryOf),
    raw: (id) => created.message(id)?.raw,
    mailboxes: () => created.mailboxes(),
    mailbox: (address) => created.mailbox(address).map(summaryOf),
    events: () => events.slice(-MAX_WORLD_EVENTS),
    eventsFirst: () => forgotten + Math.max(0, events.length - MAX_WORLD_EVENTS),
    advance(ms) {
      // One fast-forward at a time, so two pages pressing at once run the waits in order.
      const turn = clockTurn.then(async () => {
        await created.clock.fastForward(ms);
        const now = created.clock.now();
        emit('clock', now);
        return now;
      });
      clockTurn = turn.catch(() => {});
      return turn;
    },
    async close() {
      closed = true;
      relaySteps.close();
      for (const line of taps) line.destroy();
      await created.close();
    },
  };
}
