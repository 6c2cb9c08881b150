/**
 * The mail world, running: the lab DNS, one real smtp-server per lab mail host, the relay queue
 * and every mailbox. Hosts have no listening port: each hop is a tapped, recorded conversation
 * (hop-connections.ts); the relay's attempts follow the domain's MTA-STS policy (mx-relay.ts);
 * what hosts report after accepting is queued by host-reports.ts; tamper-switches.ts changes mail
 * on its way to a host.
 */
import type net from 'node:net';
import { describeWorld } from '../../core/world/describe-world';
import { SEAT_HOST, withSeat } from '../../core/world/seat-world';
import { domainOf, LabDns, withTxtRecord, type MxAnswer } from '../../core/world/lab-dns';
import { withChanges, type WorldChanges } from '../../core/world/world-overrides';
import { servedPolicy } from '../../core/world/mta-sts';
import { domainsServedBy } from '../../core/world/recipient-policy';
import type { TamperMode } from '../../core/world/tamper';
import {
  GREYLIST_MIN_DELAY_MS,
  LAB_WORLD,
  LATE_BOUNCE_DELAY_MS,
  MAX_DELIVERY_ATTEMPTS,
  RETRY_BASE_MS,
  SLOW_REPLY_MS,
} from '../../core/world/world-definition';
import type { MailboxSummary, WorldDescription, WorldEvent } from '../../core/world/world-events';
import type { WorldDefinition } from '../../core/world/world-types';
import type { MessageSummary } from '../../core/wire';
import type { LabCertificates } from '../lab/certificates';
import { smarthostRelay } from '../outbound/smarthost-relay';
import { parseSmarthost, type SmarthostOptions } from '../outbound/smarthost';
import { LoopbackPairs } from '../tap/loopback-pair';
import { createLabClock, type LabClock } from './lab-clock';
import { createDkimKey, outgoingSigner, signsFor, type DkimKey } from './mail-auth';
import { LearnerDomain } from './learner-domain';
import { learnerDomainDefinition } from '../../core/world/learner-domain-definition';
import { LOCAL_LEARNER_DOMAIN, type LearnerZone } from '../../core/world/learner-zone';
import { mailAuthFor } from './mail-auth-service';
import { createMailHost, finalDelivery, type MailHost } from './mail-host';
import { createForwarder, forwarderKeys } from './forwarder';
import { Mailboxes, type MailboxWriter, type StoredMessage } from './mailboxes';
import { RelayQueue, type EnqueueInput, type QueueEntry, type QueueWriter } from './queue';
import { RelaySessions, type RelaySessionOptions } from './relay-sessions';
import { TlsSessions } from './tls-sessions';
import type { HopTap } from './hop';
import { HopConnections, type SeatHops } from './hop-connections';
import { HostReports } from './host-reports';
import { mxRelay } from './mx-relay';
import { TamperSwitches } from './tamper-switches';
import { findClosedPort, silentTap } from './world-sockets';

export type { HopStart, HopTap } from './hop';

/** How long close() lets attempts that are still running wind down before it returns anyway. */
const CLOSE_GRACE_MS = 500;

export interface WorldTiming {
  slowReplyMs: number;
  greylistDelayMs: number;
  lateBounceDelayMs: number;
  retryBaseMs: number;
  maxAttempts: number;
}

export interface WorldOptions {
  certificates: LabCertificates;
  definition?: WorldDefinition;
  /** Defaults to a lab clock driven by real timers. */
  clock?: LabClock;
  timing?: Partial<WorldTiming>;
  onEvent?(event: WorldEvent): void;
  /** The learner's published zone changed (the API, a page, a lesson, a reset): the new set. */
  onZoneChange?(zone: LearnerZone): void;
  /** Defaults to a LineTap that records nothing, so the bytes take the same path either way. */
  tap?: HopTap;
  log?(message: string): void;
  /** lab.test's DKIM key; absent: a new one for this world. */
  dkim?: DkimKey;
  /** The learner's own domain (LOCAL_LEARNER_DOMAIN; a hosted lab gets one of its own). */
  learnerDomain?: string;
  /** The learner's zone a lab database kept (named for `learnerDomain`): published again at start. */
  learnerZone?: LearnerZone | null;
  /** Outbound delivery to the real world through a smarthost; absent or null: off. */
  outbound?: SmarthostOptions | null;
  /** A hop the learner steps through: it gets a session of its own, never shared with other mail. */
  exclusiveHop?(queueId: string, attempt: number): boolean;
  /** Socket pairs shared with other labs of this bridge (the world does not close them); absent: its own. */
  pairs?: LoopbackPairs;
  /** A loopback port known to be closed, shared the same way; absent: found at start. */
  closedPort?: number;
  /** The lab database that keeps mailboxes and the queue across restarts; absent: memory only. */
  writers?: { mailboxes: MailboxWriter; queue: QueueWriter; zone?(zone: LearnerZone): void } | null;
  /** How the relay keeps and reuses its connections to a host (absent: the defaults). */
  relaySessions?: RelaySessionOptions;
  /**
   * The learner's server seat: you.test joins the world with mx.you.test as its MX, and a hop
   * there goes to the learner (or to the closed port while the seat is not open).
   */
  seat?: SeatHops;
}

/** What a lab database kept of the world: mailbox copies, and queue entries with their next retry. */
export interface KeptWorld {
  copies: StoredMessage[];
  queue: Array<{ entry: QueueEntry; retryAt: number | null }>;
}

/** What the submission server hands over after its 250. */
export type SubmittedMessage = Omit<EnqueueInput, 'kind' | 'hop' | 'client'>;

export interface World {
  /** The world as it is now: the lab's own, or with a lesson's scenario applied. */
  readonly definition: WorldDefinition;
  /**
   * Change records and hosts for a lesson's scenario; null: back to the world it started with.
   * A host whose conduct changed starts afresh with its next connection (its greylist forgotten).
   */
  redefine(changes: WorldChanges | null): void;
  /**
   * A lesson begins: relay connections kept open for more mail say QUIT, so that its hops are
   * conversations that start after it (a lesson counts only what happened since it began).
   */
  endIdleConnections(): void;
  /** A message filed into a mailbox as a lab host's final delivery files it (Return-Path on top). */
  seedMailbox(seed: { mailbox: string; envelopeFrom: string; raw: Buffer }): StoredMessage;
  /** A message in the relay queue, already deferred `attempts` times, its next attempt due in `retryIn` ms (lab clock). */
  holdInQueue(seed: { envelopeFrom: string; envelopeTo: string[]; raw: Buffer; attempts: number; retryIn: number; last: string }): string;
  /** Take seeded messages out again: mailbox copies by id, queue entries by queue id. Returns the copies it took out. */
  unseed(seeded: { messages: readonly string[]; queue: readonly string[] }): string[];
  /**
   * A world host's server, to serve a connection the lab taps itself (a terminal that talks to an
   * MX directly); 'down' for a host that refuses connections, undefined for no such host.
   */
  hostServer(name: string): MailHost | 'down' | undefined;
  readonly clock: LabClock;
  /** The learner's own domain: its records, its DKIM keys. */
  readonly learner: LearnerDomain;
  describe(): WorldDescription;
  /** The MTA-STS policy file a domain's web server serves (RFC 8461 §3.2), or null when it publishes none. */
  mtaStsPolicy(domain: string): string | null;
  /**
   * Tamper in transit: mail to `host` has one byte changed after signing (`off`: untouched), until
   * a lesson's scenario opens or closes. Throws for a host the world does not have.
   */
  setTamper(host: string, mode: TamperMode): void;
  /** An MX lookup outside any delivery (it still emits a dns.lookup event). */
  resolveMx(domain: string): MxAnswer;
  /**
   * A connection to a lab host as if dialled from `client` (default: the lab's relay), tapped like
   * a relay hop, for a terminal that talks to an MX by hand. A host that is down rejects with
   * ECONNREFUSED, as a real one would.
   */
  openHost(name: string, client?: { name: string; address: string }): Promise<net.Socket>;
  /** Queue a message the submission server accepted; returns its queue id. */
  enqueue(message: SubmittedMessage): string;
  queue(): Array<Pick<QueueEntry, 'queueId' | 'kind' | 'envelopeFrom' | 'attempts' | 'hop'> & { pending: string[] }>;
  /** Messages the queue holds now (cheaper than queue().length), and attempts held back by a burst. */
  backlog(): { held: number; waiting: number };
  mailboxes(): MailboxSummary[];
  mailbox(address: string): StoredMessage[];
  /** Every mailbox copy, as one store the lab's budget counts and drops from. */
  readonly mailboxStore: Mailboxes;
  /** Bytes of mail the world holds and may not drop: the queue, bounces waiting to be sent. */
  heldBytes(): number;
  message(id: string): StoredMessage | undefined;
  /** Header fields of a delivered copy (read once, no MIME parse). */
  summary(message: StoredMessage): MessageSummary;
  /** Resolves when no delivery attempt is running (waits on the lab clock do not count). */
  settled(): Promise<void>;
  /** Take back what a lab database kept; the queue resumes. */
  restore(kept: KeptWorld): void;
  close(): Promise<void>;
}

export async function createWorld(options: WorldOptions): Promise<World> {
  const given = options.seat ? withSeat(options.definition ?? LAB_WORLD) : (options.definition ?? LAB_WORLD);
  const dkim = options.dkim ?? createDkimKey(given.relay.domain);
  // The learner's domain is a world domain too (its MX host takes its mail); its records live in its own zone.
  const learnerBase = learnerDomainDefinition(given, options.learnerDomain ?? LOCAL_LEARNER_DOMAIN);
  const base = learnerBase.world;
  // The relay's DKIM key and the forwarders' ARC keys are published in the lab DNS the moment the
  // world exists, and stay published whatever a lesson's scenario changes.
  const arcKeys = await forwarderKeys(given);
  const published = (world: WorldDefinition) => [dkim, ...arcKeys].reduce((w, key) => withTxtRecord(w, key.domain, key.record), world);
  let definition = published(base);
  const log = options.log ?? (() => {});
  const smarthost = parseSmarthost(options.outbound);
  const timing: WorldTiming = {
    slowReplyMs: SLOW_REPLY_MS,
    greylistDelayMs: GREYLIST_MIN_DELAY_MS,
    lateBounceDelayMs: LATE_BOUNCE_DELAY_MS,
    retryBaseMs: RETRY_BASE_MS,
    maxAttempts: MAX_DELIVERY_ATTEMPTS,
    ...options.timing,
  };
  const clock = options.clock ?? createLabClock({ log });
  const emit = (event: WorldEvent) => {
    try {
      options.onEvent?.(event);
    } catch (error) {
      log(`world: event listener failed: ${String(error)}`);
    }
  };
  let dns = new LabDns(definition);
  const learner = new LearnerDomain({
    domain: learnerBase.domain,
    setting: learnerBase.setting,
    kept: options.learnerZone ?? null,
    outsideTxt: (name) => dns.resolveTxt(name),
    onChange: (zone) => {
      dns.useZone(zone);
      auth.useZone(zone);
      options.writers?.zone?.(zone);
      options.onZoneChange?.(zone);
    },
    onOutcome: (outcome, reasons) => emit({ type: 'zone', at: clock.now(), domain: learnerBase.domain, outcome, reasons }),
  });
  dns.useZone(learner.zone());
  options.writers?.zone?.(learner.zone());
  const auth = mailAuthFor(definition, log, { zone: learner.zone() });
  const mailboxes = new Mailboxes({}, options.writers?.mailboxes ?? null);
  const ownsPairs = !options.pairs;
  const pairs = options.pairs ?? (await LoopbackPairs.create());
  const closedPort = options.closedPort ?? (await findClosedPort());
  const tap = options.tap ?? silentTap(options.certificates, log);
  const sessions = new RelaySessions(options.relaySessions);
  const tlsSessions = new TlsSessions();
  let closing = false;
  const hops = new HopConnections({ tap, pairs, closedPort, definition: () => definition, host: (name) => hostNamed(name), seat: options.seat, clock, emit });

  // A host's smtp-server (and its TLS context) starts with the first hop to it: most labs of a
  // classroom never reach most hosts, and an idle lab must stay small.
  const hosts = new Map<string, MailHost>();
  function hostNamed(name: string): MailHost | undefined {
    const existing = hosts.get(name);
    if (existing || closing || name === SEAT_HOST) return existing;
    const host = definition.hosts.find((h) => h.name === name);
    if (!host) return undefined;
    const started = createMailHost({
      definition: host,
      world: definition,
      certificates: options.certificates,
      clock,
      mailboxes,
      slowReplyMs: timing.slowReplyMs,
      greylistDelayMs: timing.greylistDelayMs,
      log,
      onStored: (m) => emit({ type: 'stored', at: clock.now(), mailbox: m.mailbox, messageId: m.id, host: m.host, conversation: m.conversation, outside: false }),
      onLateBounce: (bounce) => reports.lateBounce(bounce),
      onDelivered: (report) => reports.successReport(report),
      onForward: (request) => forwarder.forward(request),
      authenticate: (raw, peer) => auth.check(raw, peer),
      dns: () => dns,
      onAuth: (check, conversation) =>
        emit({ type: 'auth', at: clock.now(), host: host.name, conversation, fromDomain: check.fromDomain, spf: check.spf, dkim: check.dkim, dmarc: check.dmarc, policy: check.policy, verdict: check.verdict, header: check.header, ...(check.steps ? { steps: check.steps } : {}), ...(check.arc ? { arc: check.arc } : {}) }),
      });
    hosts.set(name, started);
    return started;
  }

  const queue: RelayQueue = new RelayQueue({
    get dns() {
      return dns;
    },
    clock, mailboxes, emit, log,
    retryBaseMs: timing.retryBaseMs,
    maxAttempts: timing.maxAttempts,
    urgent: (queueId, attempt) => options.exclusiveHop?.(queueId, attempt) ?? false,
    writer: options.writers?.queue ?? null,
    relay: mxRelay({
      dns: () => dns,
      definition: () => definition,
      zone: () => learner.zone(),
      clock, emit,
      caPem: options.certificates.caPem,
      open: (entry, domain, candidate, observe) => hops.open(entry, domain, candidate, observe),
      inTransit: async (entry, host) => tamper.apply(await outgoing(entry), host),
      sessions,
      tlsSessions,
      exclusive: (queueId, attempt) => options.exclusiveHop?.(queueId, attempt) ?? false,
    }),
    ...(smarthost
      ? { outbound: smarthostRelay({ smarthost, caPem: options.certificates.caPem, clock, emit, outgoing: (entry) => outgoing(entry), tapped: (hop, upstream, observe) => hops.tapBetween(hop, upstream, observe) }) }
      : {}),
  });
  if (smarthost) log(`world: mail for ${smarthost.allowed.join(', ') || 'no domain'} leaves the lab through ${smarthost.display}`);

  // The message as it leaves smtp.lab.test: signed with lab.test's DKIM key when its From: is lab.test's.
  // The learner's mail is signed with the learner's key when it was submitted with AUTH.
  const signingKey = (entry: QueueEntry): DkimKey | null =>
    signsFor(dkim, entry.raw) ? dkim : entry.authenticated && signsFor(learner.signingKey(), entry.raw) ? learner.signingKey() : null;
  const outgoing = outgoingSigner(signingKey, definition.relay.name, log, auth.sign);
  const forwarder = createForwarder({ keys: arcKeys, seal: auth.seal, enqueue: (input) => queue.enqueue(input), log });

  const tamper = new TamperSwitches(() => definition, log);
  const reports = new HostReports({ clock, lateBounceDelayMs: timing.lateBounceDelayMs, sendBounce: (bounce) => queue.sendBounce(bounce) });

  return {
    get definition() {
      return definition;
    },
    endIdleConnections: () => sessions.endIdle(),
    redefine(changes) {
      const next = published(changes ? withChanges(base, changes) : base);
      const before = definition;
      definition = next;
      tamper.clear();
      dns = new LabDns(next, learner.zone());
      auth.redefine(next);
      // A started host keeps what it was made with: one whose conduct or domains changed is replaced.
      for (const [name, host] of hosts) {
        const now = next.hosts.find((h) => h.name === name);
        const same = now && sameJson(now, host.definition) && sameJson(domainsServedBy(next, now), domainsServedBy(before, host.definition));
        if (same) continue;
        hosts.delete(name);
        void host.close();
      }
    },
    seedMailbox({ mailbox, envelopeFrom, raw }) {
      // Filed by the host that would have delivered it: the domain's preferred MX.
      const host = dns.resolveMx(domainOf(mailbox)).candidates[0]?.exchange ?? definition.relay.name;
      const stored = mailboxes.add({ mailbox, host, conversation: null, envelopeFrom, envelopeTo: [mailbox], receivedAt: clock.now(), outside: false, raw: finalDelivery(envelopeFrom, raw) }, false);
      emit({ type: 'stored', at: clock.now(), mailbox: stored.mailbox, messageId: stored.id, host: stored.host, conversation: null, outside: false });
      return stored;
    },
    holdInQueue({ envelopeFrom, envelopeTo, raw, attempts, retryIn, last }) {
      const status = /^\d{3} (\d\.\d{1,3}\.\d{1,3})/.exec(last)?.[1] ?? '4.0.0';
      const client = { name: definition.relay.name, address: definition.relay.address };
      return queue.hold({ raw, envelopeFrom, envelopeTo, kind: 'mail', hop: 1, client }, { attempts, retryIn, last: { response: last, status } }).queueId;
    },
    unseed({ messages, queue: queued }) {
      for (const id of queued) queue.remove(id);
      return messages.filter((id) => mailboxes.remove(id));
    },
    hostServer(name) {
      const known = definition.hosts.find((h) => h.name === name.toLowerCase());
      if (!known) return undefined;
      return known.up ? hostNamed(known.name) : 'down';
    },
    clock,
    learner,
    describe: () => {
      const described = describeWorld(definition, { greylistMinDelayMs: timing.greylistDelayMs, slowReplyMs: timing.slowReplyMs, lateBounceDelayMs: timing.lateBounceDelayMs, retryBaseMs: timing.retryBaseMs, maxAttempts: timing.maxAttempts }, learner.zone());
      const hosts = described.hosts.map((h) => ({ ...h, tamper: tamper.of(h.name) }));
      return { ...described, hosts, outbound: smarthost ? { smarthost: smarthost.display, allowed: [...smarthost.allowed] } : null };
    },
    setTamper: (host, mode) => tamper.set(host, mode),
    mtaStsPolicy: (domain) => servedPolicy(definition, domain, learner.zone()),
    resolveMx(domain) {
      const answer = dns.resolveMx(domain);
      emit({ type: 'dns.lookup', at: clock.now(), queueId: null, query: { name: answer.domain, type: 'MX' }, answer, chosen: answer.candidates[0]?.exchange ?? null });
      return answer;
    },
    openHost: (name, client = { name: definition.relay.name, address: definition.relay.address }) => hops.openHost(name, client),
    enqueue: (message) => queue.enqueue({ ...message, kind: 'mail', hop: 1, client: { name: definition.relay.name, address: definition.relay.address } }).queueId,
    queue: () =>
      queue.list().map((e) => ({ queueId: e.queueId, kind: e.kind, envelopeFrom: e.envelopeFrom, attempts: e.attempts, hop: e.hop, pending: e.recipients.filter((r) => r.state === 'pending').map((r) => r.address) })),
    mailboxes: () => mailboxes.list(),
    mailbox: (address) => mailboxes.messages(address),
    mailboxStore: mailboxes,
    heldBytes: () => queue.bytes + reports.heldBytes,
    message: (id) => mailboxes.find(id),
    summary: (message) => mailboxes.summary(message),
    backlog: () => ({ held: queue.size, waiting: queue.waiting }),
    async settled() {
      // A forwarded message is sealed before it joins the queue: both must be idle.
      do {
        await forwarder.idle();
        await queue.settled();
      } while (forwarder.sealing > 0);
    },
    restore(kept) {
      for (const copy of kept.copies) mailboxes.restore(copy);
      for (const { entry, retryAt } of kept.queue) queue.restore(entry, retryAt);
    },
    async close() {
      // Sockets go first: a hop held by a stepping tap, or a slow host, must not hold up the close.
      closing = true;
      clock.close();
      queue.stop();
      sessions.close();
      auth.close();
      hops.close();
      await Promise.all([...[...hosts.values()].map((host) => host.close()), ownsPairs ? pairs.close() : undefined]);
      // Attempts still running end once their sockets are gone (a new hop is refused now), but
      // thousands of them must not hold up Ctrl-C: they get a moment, not a promise.
      await Promise.race([queue.settled(), new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref())]);
    },
  };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
