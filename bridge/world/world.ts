/**
 * The mail world, running: the lab DNS, one real smtp-server per lab mail host, the relay queue
 * and every mailbox. Hosts have no listening port: each relay hop gets a loopback pair to the
 * relay's side and another into the host, and the caller's tap sits between them so the hop is a
 * recorded conversation. A host that is down is a closed port on 127.0.0.1: the relay's connect
 * is refused exactly like a real one.
 */
import type net from 'node:net';
import { describeWorld } from '../../core/world/describe-world';
import { SEAT_HOST, withSeat } from '../../core/world/seat-world';
import { domainOf, LabDns, withTxtRecord, type MxAnswer, type MxCandidate } from '../../core/world/lab-dns';
import { withChanges, type WorldChanges } from '../../core/world/world-overrides';
import { enforcedPolicy, mtaStsRefusal, mxMatches, servedPolicy } from '../../core/world/mta-sts';
import { domainsServedBy, REPLIES } from '../../core/world/recipient-policy';
import { tamperInTransit, type TamperMode } from '../../core/world/tamper';
import {
  GREYLIST_MIN_DELAY_MS,
  LAB_WORLD,
  LATE_BOUNCE_DELAY_MS,
  MAX_DELIVERY_ATTEMPTS,
  RETRY_BASE_MS,
  SLOW_REPLY_MS,
} from '../../core/world/world-definition';
import type { MailboxSummary, WorldDescription, WorldEvent } from '../../core/world/world-events';
import type { TapEvent } from '../../core/wire';
import type { MtaStsPolicy, WorldDefinition } from '../../core/world/world-types';
import type { MessageSummary } from '../../core/wire';
import type { LabCertificates } from '../lab/certificates';
import { smarthostRelay } from '../outbound/smarthost-relay';
import { parseSmarthost, type SmarthostOptions } from '../outbound/smarthost';
import { LoopbackPairs } from '../tap/loopback-pair';
import { memorySocketPair, whenReleased } from '../tap/memory-pair';
import { createLabClock, type LabClock } from './lab-clock';
import { createDkimKey, outgoingSigner, signsFor, type DkimKey } from './mail-auth';
import { LearnerDomain } from './learner-domain';
import { learnerDomainDefinition } from '../../core/world/learner-domain-definition';
import { LOCAL_LEARNER_DOMAIN, type LearnerZone } from '../../core/world/learner-zone';
import { mailAuthFor } from './mail-auth-service';
import { createMailHost, finalDelivery, type LateBounce, type MailHost } from './mail-host';
import { createForwarder, forwarderKeys } from './forwarder';
import { Mailboxes, type MailboxWriter, type StoredMessage } from './mailboxes';
import { RelayQueue, type EnqueueInput, type QueueEntry, type QueueWriter } from './queue';
import { relayToDomain, type HostTarget } from './relay-client';
import { messageLines, RelaySessions, type RelaySessionOptions } from './relay-sessions';
import { TlsSessions } from './tls-sessions';
import { connectThroughMiddlebox } from './middlebox-hop';
import type { HopStart, HopTap } from './hop';
import { dialClosedPort, findClosedPort, silentTap } from './world-sockets';

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
  seat?: { relayHop(hop: HopStart, observe: (event: TapEvent) => void, closedPort: number): Promise<HostTarget> };
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
  const taps = new Set<net.Socket>();
  const sessions = new RelaySessions(options.relaySessions);
  const tlsSessions = new TlsSessions();
  let closing = false;

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
      onLateBounce: (bounce) => lateBounce(bounce),
      onDelivered: (report) => successReport(report),
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
    relay: (entry, found, recipients) => {
      const sts = enforcedPolicy(dns, definition, found.domain, learner.zone());
      const answer = sts ? { ...found, candidates: found.candidates.filter((c) => listedByPolicy(entry, found.domain, sts, c.exchange)) } : found;
      const unreachable = (c: MxCandidate, error: string) =>
        emit({ type: 'relay.unreachable', at: clock.now(), queueId: entry.queueId, attempt: entry.attempts, domain: answer.domain, host: c.exchange, error: sts ? mtaStsRefusal(answer.domain, c.exchange, `TLS could not be verified: ${error}`) : error });
      return relayToDomain({
        answer,
        recipients,
        // An enforced MTA-STS policy: STARTTLS with a certificate the relay verifies, or no delivery (RFC 8461 §5).
        requireTls: sts !== null,
        envelopeFrom: entry.envelopeFrom,
        raw: (candidate) => inTransit(entry, candidate.exchange),
        dsn: entry.dsn,
        clientName: entry.client.name,
        caPem: options.certificates.caPem,
        open: (candidate, observe) => open(entry, answer.domain, candidate, observe),
        tlsSessions,
        sessions: {
          pool: sessions,
          // A session is shared only by mail that would make the same hop: same MTA, host, hop number and need for TLS.
          key: (c) => (options.exclusiveHop?.(entry.queueId, entry.attempts) ? null : `${entry.client.name} ${entry.client.address} ${entry.hop} ${c.exchange}${sts ? ' sts' : ''}`),
          lines: messageLines(entry.raw),
          onReused: (c, conversation, transaction) =>
            emit({ type: 'relay.hop', at: clock.now(), queueId: entry.queueId, attempt: entry.attempts, hop: entry.hop, domain: answer.domain, host: c.exchange, conversation, reused: { transaction } }),
          onBroken: (c, _conversation, why) =>
            emit({ type: 'relay.unreachable', at: clock.now(), queueId: entry.queueId, attempt: entry.attempts, domain: answer.domain, host: c.exchange, error: `The connection kept open from earlier mail broke before it took this message (${why}); a new connection takes it` }),
        },
        onConnecting: (c) => emit({ type: 'relay.connecting', at: clock.now(), queueId: entry.queueId, attempt: entry.attempts, domain: answer.domain, host: c.exchange, address: c.address, preference: c.preference }),
        onUnreachable: unreachable,
      });
    },
    ...(smarthost
      ? { outbound: smarthostRelay({ smarthost, caPem: options.certificates.caPem, clock, emit, outgoing: (entry) => outgoing(entry), tapped: (hop, upstream, observe) => tapBetween(hop, upstream, observe) }) }
      : {}),
  });
  if (smarthost) log(`world: mail for ${smarthost.allowed.join(', ') || 'no domain'} leaves the lab through ${smarthost.display}`);

  // The message as it leaves smtp.lab.test: signed with lab.test's DKIM key when its From: is lab.test's.
  // The learner's mail is signed with the learner's key when it was submitted with AUTH.
  const signingKey = (entry: QueueEntry): DkimKey | null =>
    signsFor(dkim, entry.raw) ? dkim : entry.authenticated && signsFor(learner.signingKey(), entry.raw) ? learner.signingKey() : null;
  const outgoing = outgoingSigner(signingKey, definition.relay.name, log, auth.sign);
  const forwarder = createForwarder({ keys: arcKeys, seal: auth.seal, enqueue: (input) => queue.enqueue(input), log });

  /** Tamper-in-transit switches set for this lab (World page, API, WebSocket), over what the world's hosts say. */
  const tamperSwitches = new Map<string, TamperMode>();
  const tamperOf = (host: string): TamperMode => tamperSwitches.get(host) ?? definition.hosts.find((h) => h.name === host)?.tamper ?? 'off';
  /** The signed message as it travels to `host`: with one byte changed when the host's switch is on. */
  async function inTransit(entry: QueueEntry, host: string): Promise<Buffer> {
    const raw = await outgoing(entry);
    const mode = tamperOf(host);
    const changed = mode === 'off' ? null : tamperInTransit(raw, mode);
    if (!changed) return raw;
    log(`world: tamper in transit to ${host}: ${changed.what}`);
    return Buffer.from(changed.raw.buffer, changed.raw.byteOffset, changed.raw.byteLength);
  }

  /** A tap between a new relay-side socket and a connection that leaves the lab (the smarthost). */
  async function tapBetween(hop: HopStart, upstream: net.Socket, observe: (event: TapEvent) => void): Promise<{ socket: net.Socket; conversation: string | null }> {
    track(upstream);
    const clientSide = await freshPair();
    const conversation = tap(hop, clientSide.far, upstream, observe)?.conversation ?? null;
    return { socket: clientSide.near, conversation };
  }

  /** Kept until it is gone, for close() to destroy: the host's end too, whose listeners smtp-server strips at STARTTLS. */
  function track(socket: net.Socket): void {
    taps.add(socket);
    void whenReleased(socket).then(() => taps.delete(socket));
  }

  /**
   * A loopback pair whose sockets close() will destroy. Tracked the moment it exists: a pair made
   * while the world closes would otherwise keep the pairs' listener, and the close, waiting.
   */
  async function freshPair(): Promise<{ near: net.Socket; far: net.Socket }> {
    if (closing) throw new Error('The lab world is closing');
    const pair = await pairs.pair();
    track(pair.near);
    track(pair.far);
    if (closing) {
      pair.near.destroy();
      pair.far.destroy();
      throw new Error('The lab world is closing');
    }
    return pair;
  }

  /** A tapped connection to a host that is up; the closed port for one that is down. */
  async function open(entry: QueueEntry, domain: string, candidate: MxCandidate, observe: (event: TapEvent) => void): Promise<HostTarget> {
    if (options.seat && candidate.exchange === SEAT_HOST) return seatHop(entry, domain, candidate, options.seat, observe);
    const up = definition.hosts.some((h) => h.name === candidate.exchange && h.up);
    const host = up ? hostNamed(candidate.exchange) : undefined;
    if (!host) return { port: closedPort };
    const hop: HopStart = { queueId: entry.queueId, hop: entry.hop, attempt: entry.attempts, kind: entry.kind, domain, host: host.definition.name, address: host.definition.address, client: entry.client };
    const box = host.definition.onPath;
    const { socket, conversation } = box ? await connectThroughMiddlebox({ tap, freshPair, track }, box, host, hop, observe) : await connectTapped(host, hop, observe);
    emit({ type: 'relay.hop', at: clock.now(), queueId: entry.queueId, attempt: entry.attempts, hop: entry.hop, domain, host: host.definition.name, conversation });
    return { socket, conversation };
  }

  /**
   * A loopback pair from the relay to the tap, and an in-memory pair from the tap into the host's
   * smtp-server, as the lab's own servers get theirs: the host runs in this process, and a kernel
   * round trip for every line there cost more than recording it.
   */
  async function connectTapped(host: MailHost, hop: HopStart, observe: (event: TapEvent) => void = () => {}): Promise<{ socket: net.Socket; conversation: string | null }> {
    const clientSide = await freshPair();
    const hostSide = memorySocketPair({ remoteAddress: hop.client.address, remotePort: clientSide.near.localPort ?? 0 });
    track(hostSide.near);
    track(hostSide.far);
    const conversation = tap(hop, clientSide.far, hostSide.near, observe)?.conversation ?? null;
    // The host sees the sender's lab address, so its Received: header names the sending MTA.
    const id = conversation ?? `${hop.queueId ?? 'direct'}.${hop.attempt}.${clientSide.near.localPort ?? 0}`;
    host.accept(hostSide.far, { conversation: id, remoteAddress: hop.client.address, remotePort: clientSide.near.localPort ?? 0 });
    return { socket: clientSide.near, conversation };
  }

  /** The hop to the learner's server: recorded by the seat's own tap, announced like any other hop. */
  async function seatHop(entry: QueueEntry, domain: string, candidate: MxCandidate, seat: NonNullable<WorldOptions['seat']>, observe: (event: TapEvent) => void): Promise<HostTarget> {
    const hop: HopStart = { queueId: entry.queueId, hop: entry.hop, attempt: entry.attempts, kind: entry.kind, domain, host: SEAT_HOST, address: candidate.address ?? '', client: entry.client };
    const target = await seat.relayHop(hop, observe, closedPort);
    if ('socket' in target) emit({ type: 'relay.hop', at: clock.now(), queueId: entry.queueId, attempt: entry.attempts, hop: entry.hop, domain, host: SEAT_HOST, conversation: target.conversation ?? null });
    return target;
  }

  /** An MX the policy does not name is never tried (RFC 8461 §4.1); the journey shows it skipped. */
  function listedByPolicy(entry: QueueEntry, domain: string, policy: MtaStsPolicy, host: string): boolean {
    if (policy.mx.some((pattern) => mxMatches(pattern, host))) return true;
    emit({ type: 'relay.unreachable', at: clock.now(), queueId: entry.queueId, attempt: entry.attempts, domain, host, error: mtaStsRefusal(domain, host, 'the policy does not name this MX') });
    return false;
  }


  /** Bytes of originals held for a late bounce, until it is queued. */
  let lateBytes = 0;
  function lateBounce(bounce: LateBounce): void {
    const wantsBounce = !bounce.notify || (bounce.notify.includes('FAILURE') && !bounce.notify.includes('NEVER'));
    if (!bounce.envelopeFrom || !wantsBounce) return;
    lateBytes += bounce.raw.length;
    clock.schedule(timing.lateBounceDelayMs, () => {
      lateBytes -= bounce.raw.length;
      const diagnostic = `${REPLIES.lateBounce.code} ${REPLIES.lateBounce.enhanced} ${REPLIES.lateBounce.text}`;
      queue.sendBounce({
        reportingMta: { name: bounce.host.name, address: bounce.host.address },
        to: bounce.envelopeFrom,
        original: bounce.raw,
        queueId: RelayQueue.newId(),
        arrivedAt: bounce.arrivedAt,
        ret: bounce.ret,
        envid: bounce.envid,
        recipients: [{ finalRecipient: bounce.recipient, originalRecipient: bounce.orcpt, action: 'failed', status: REPLIES.lateBounce.enhanced, remoteMta: null, diagnostic, lastAttemptDate: null }],
        hop: 2,
        // The host cannot tell who submitted what it bounces: such a bounce stays in the lab.
        authenticated: false,
      });
    });
  }

  /** The "delivered" report a host that advertises DSN owes a NOTIFY=SUCCESS recipient: headers only. */
  function successReport(report: LateBounce): void {
    if (!report.envelopeFrom) return;
    queue.sendBounce({
      reportingMta: { name: report.host.name, address: report.host.address },
      to: report.envelopeFrom,
      original: report.raw,
      queueId: RelayQueue.newId(),
      arrivedAt: report.arrivedAt,
      ret: 'HDRS',
      envid: report.envid,
      recipients: [{ finalRecipient: report.recipient, originalRecipient: report.orcpt, action: 'delivered', status: '2.0.0', remoteMta: null, diagnostic: null, lastAttemptDate: null }],
      hop: 2,
      // Like a late bounce: the host cannot tell who submitted what it reports on, so it stays in the lab.
      authenticated: false,
    });
  }

  return {
    get definition() {
      return definition;
    },
    endIdleConnections: () => sessions.endIdle(),
    redefine(changes) {
      const next = published(changes ? withChanges(base, changes) : base);
      const before = definition;
      definition = next;
      tamperSwitches.clear();
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
      const hosts = described.hosts.map((h) => ({ ...h, tamper: tamperOf(h.name) }));
      return { ...described, hosts, outbound: smarthost ? { smarthost: smarthost.display, allowed: [...smarthost.allowed] } : null };
    },
    setTamper(host, mode) {
      const known = definition.hosts.find((h) => h.name === host.toLowerCase());
      if (!known) throw new Error(`${host} is not a mail host of the lab world`);
      tamperSwitches.set(known.name, mode);
    },
    mtaStsPolicy: (domain) => servedPolicy(definition, domain, learner.zone()),
    resolveMx(domain) {
      const answer = dns.resolveMx(domain);
      emit({ type: 'dns.lookup', at: clock.now(), queueId: null, query: { name: answer.domain, type: 'MX' }, answer, chosen: answer.candidates[0]?.exchange ?? null });
      return answer;
    },
    async openHost(name, client = { name: definition.relay.name, address: definition.relay.address }) {
      const known = definition.hosts.find((h) => h.name === name.toLowerCase());
      if (!known) throw new Error(`${name} is not a lab mail host`);
      if (!known.up) return dialClosedPort(closedPort);
      const host = hostNamed(known.name);
      if (!host) throw new Error('The lab world is closing');
      const domain = definition.domains.find((d) => d.mx.some((r) => r.exchange === host.definition.name) || d.name === host.definition.name)?.name ?? '';
      const hop: HopStart = { queueId: null, hop: 1, attempt: 1, kind: 'direct', domain, host: host.definition.name, address: host.definition.address, client };
      // Dialled as the relay dials it, so through the same box on the path, if there is one.
      const box = host.definition.onPath;
      return (box ? await connectThroughMiddlebox({ tap, freshPair, track }, box, host, hop, () => {}) : await connectTapped(host, hop)).socket;
    },
    enqueue: (message) => queue.enqueue({ ...message, kind: 'mail', hop: 1, client: { name: definition.relay.name, address: definition.relay.address } }).queueId,
    queue: () =>
      queue.list().map((e) => ({ queueId: e.queueId, kind: e.kind, envelopeFrom: e.envelopeFrom, attempts: e.attempts, hop: e.hop, pending: e.recipients.filter((r) => r.state === 'pending').map((r) => r.address) })),
    mailboxes: () => mailboxes.list(),
    mailbox: (address) => mailboxes.messages(address),
    mailboxStore: mailboxes,
    heldBytes: () => queue.bytes + lateBytes,
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
      for (const socket of taps) socket.destroy();
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
