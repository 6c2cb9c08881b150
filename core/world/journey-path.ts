/**
 * The journey of one email over the whole path, after the first hop: the journey machine follows
 * the submission conversation up to `accepted` (and its queue id); from there the world events
 * for that queue id tell the rest — queued → lookup → relay → delivered, or deferred → retry → …,
 * or bounced — per recipient where recipients part ways. Pure: the same events always give the
 * same path, so the app can redraw it from scratch on every event, and tests can replay it.
 *
 * Why a model beside the machine rather than more machine states: recipients of one message can
 * end differently (one delivered, one deferred, one bounced), and a retry revisits states with
 * new data. A list of hops and per-recipient fates says that directly; a single state does not.
 */
import type { JourneyStateName } from '../machines/journey-model';
import { senderOf } from './hop-ends';
import type { MxAnswer } from './lab-dns';
import type { QueuedKind, RecipientOutcome, WorldEvent } from './world-events';

type AuthEvent = Extract<WorldEvent, { type: 'auth' }>;

/** Where the email as a whole is. */
export type PathState =
  | 'submitting' | 'refused' | 'aborted'
  | 'queued' | 'lookup' | 'relay' | 'retry' | 'deferred'
  | 'delivered' | 'partial' | 'bounced' | 'outside';

/** What one hop came to. `partial`: some recipients delivered, others refused. */
export type HopState =
  | 'in-progress' | 'accepted' | 'refused' | 'aborted' | 'unreachable'
  | 'delivered' | 'deferred' | 'failed' | 'partial' | 'outside';

export interface PathHop {
  /** 0: the submission; 1: the relay to the recipient's MX; 2: a bounce coming back; ... */
  hop: number;
  /** 1 for the first try, 2 for the first retry, ... (0 for the submission). */
  attempt: number;
  /** Who connects, and to which host. */
  from: string;
  to: string;
  /** The recipient domain this hop carries mail for (null for the submission). */
  domain: string | null;
  /** The recorded conversation of this hop, to select it; null when none was recorded. */
  conversation: string | null;
  /**
   * Set when the hop rode on a connection kept open from earlier mail: its greeting, EHLO and
   * STARTTLS are at the start of `conversation`, and this mail's MAIL FROM begins its `transaction`-th transaction.
   */
  reused?: { transaction: number };
  state: HopState;
  /** For deferred: when the next attempt is due (lab clock). */
  retryAt: number | null;
  /** Lab clock when the hop started (null for the submission, which runs on the wire's own clock). */
  at: number | null;
  /** The reply that decided it, or why it could not connect. */
  detail: string | null;
  /** The receiving host's check of this hop's mail (SPF, DKIM, DMARC), the same event the message view shows. */
  auth?: AuthEvent;
}

export interface PathLookup {
  at: number;
  domain: string;
  answer: MxAnswer;
  chosen: string | null;
}

export interface RecipientPath {
  address: string;
  /** 'pending': no attempt has decided it yet. */
  outcome: RecipientOutcome | 'pending';
  /** Attempts that gave this recipient an answer. */
  attempts: number;
  response: string | null;
  status: string | null;
  host: string | null;
  retryAt: number | null;
  /** Where a delivered copy was stored. */
  mailbox: string | null;
  messageId: string | null;
  /** The DSN queued for this recipient's failure. */
  bounceQueueId: string | null;
}

export interface JourneyPath {
  queueId: string | null;
  kind: QueuedKind | null;
  /** For a bounce: the queue id of the mail it reports on. */
  bounceOf: string | null;
  from: string | null;
  state: PathState;
  hops: PathHop[];
  lookups: PathLookup[];
  recipients: RecipientPath[];
  /** The earliest retry still ahead of a deferred recipient (lab clock), or null. */
  nextRetryAt: number | null;
  /** Every event of this queue id, oldest first, for a timeline. */
  events: WorldEvent[];
  /** The DSNs this mail caused, each followed along its own path. */
  bounces: JourneyPath[];
}

/** The first hop as the journey machine saw it; null when the mail did not come from a recorded submission. */
export interface SubmissionHop {
  conversation: string | null;
  state: JourneyStateName;
  queueId: string | null;
  /** Who submitted (e.g. "client"), and to whom (the relay's name). */
  from?: string;
  to?: string;
}

const FIRST_HOP_STATE: Partial<Record<JourneyStateName, HopState>> = {
  accepted: 'accepted',
  refused: 'refused',
  aborted: 'aborted',
};

/** How deep bounces of bounces are followed (the relay never bounces a bounce, so 2 is plenty). */
const MAX_BOUNCE_DEPTH = 2;

function queueIdOfEvent(event: WorldEvent): string | null {
  return 'queueId' in event ? event.queueId : null;
}

/** The queue id a conversation belongs to: the submission that queued it or a relay hop of it. */
export function queueIdForConversation(conversation: string, events: readonly WorldEvent[]): string | null {
  for (const event of events) {
    if (event.type === 'queued' && event.conversation === conversation) return event.queueId;
    if (event.type === 'relay.hop' && event.conversation === conversation) return event.queueId;
  }
  return null;
}

/** The mail a bounce reports on, followed back to the first: the root of the hop map. */
export function rootQueueId(queueId: string, events: readonly WorldEvent[]): string {
  let current = queueId;
  for (let depth = 0; depth <= MAX_BOUNCE_DEPTH; depth++) {
    const bounce = events.find((e) => e.type === 'bounce' && e.bounceQueueId === current);
    if (bounce?.type !== 'bounce') return current;
    current = bounce.queueId;
  }
  return current;
}

/**
 * The path of the mail the submission handed over (or of `queueId` directly, for a bounce or a
 * message from a conversation the app did not record).
 */
export function journeyPath(
  submission: SubmissionHop | null,
  worldEvents: readonly WorldEvent[],
  queueId: string | null = submission?.queueId ?? null,
  depth = 0,
): JourneyPath {
  const id = queueId ?? (submission?.conversation ? queueIdForConversation(submission.conversation, worldEvents) : null);
  const events = id === null ? [] : worldEvents.filter((e) => queueIdOfEvent(e) === id);
  const queued = events.find((e) => e.type === 'queued');
  const bounceEvent = worldEvents.find((e) => e.type === 'bounce' && e.bounceQueueId === id);
  const relayName = submission?.to ?? 'smtp.lab.test';

  const hops: PathHop[] = [];
  if (submission) {
    hops.push({
      hop: 0,
      attempt: 0,
      from: submission.from ?? 'client',
      to: relayName,
      domain: null,
      conversation: submission.conversation,
      state: FIRST_HOP_STATE[submission.state] ?? 'in-progress',
      retryAt: null,
      at: null,
      detail: null,
    });
  }

  const lookups: PathLookup[] = [];
  const recipients = new Map<string, RecipientPath>();
  for (const address of queued?.type === 'queued' ? queued.to : []) recipients.set(address, emptyRecipient(address));
  const hopOfEvent = new Map<WorldEvent, number>();
  const hopFor = (attempt: number, host: string | null) =>
    [...hops].reverse().find((h) => h.hop > 0 && h.attempt === attempt && h.to === host && h.state !== 'unreachable');

  for (const event of events) {
    switch (event.type) {
      case 'dns.lookup':
        lookups.push({ at: event.at, domain: event.query.name, answer: event.answer, chosen: event.chosen });
        break;
      case 'relay.unreachable': {
        // A host that answered and was then refused (an MTA-STS policy without TLS) keeps its conversation.
        const open = hopFor(event.attempt, event.host);
        if (open?.state === 'in-progress') Object.assign(open, { state: 'unreachable', detail: event.error });
        else hops.push({ ...relayHop(event, queued, senderOf(event.queueId, worldEvents, relayName)), state: 'unreachable', detail: event.error });
        break;
      }
      case 'relay.hop':
        hopOfEvent.set(event, hops.length);
        hops.push({
          ...relayHop(event, queued, senderOf(event.queueId, worldEvents, relayName)),
          hop: event.hop,
          conversation: event.conversation,
          ...(event.reused ? { reused: event.reused } : {}),
        });
        break;
      case 'recipient': {
        const recipient = recipients.get(event.recipient) ?? emptyRecipient(event.recipient);
        recipients.set(event.recipient, {
          ...recipient,
          outcome: event.outcome,
          attempts: Math.max(recipient.attempts, event.attempt),
          response: event.response,
          status: event.status,
          host: event.host,
          retryAt: event.retryAt,
        });
        const hop = hopFor(event.attempt, event.host);
        if (hop) {
          hop.state = combine(hop.state, hopStateOf(event.outcome));
          hop.detail = event.response;
          if (event.retryAt !== null) hop.retryAt = Math.min(hop.retryAt ?? Infinity, event.retryAt);
        }
        break;
      }
      case 'bounce':
        for (const address of event.recipients) {
          const recipient = recipients.get(address);
          if (recipient) recipients.set(address, { ...recipient, bounceQueueId: event.bounceQueueId });
        }
        break;
      default:
        break;
    }
  }

  attachChecks(worldEvents, hopOfEvent, hops);

  // A stored event names the mailbox and the hop's conversation, not the queue: match on both.
  const conversations = new Set(hops.filter((h) => h.hop > 0 && h.conversation).map((h) => h.conversation));
  for (const event of worldEvents) {
    if (event.type !== 'stored' || event.conversation === null || !conversations.has(event.conversation)) continue;
    const recipient = [...recipients.values()].find((r) => r.address.toLowerCase() === event.mailbox.toLowerCase());
    if (recipient) recipients.set(recipient.address, { ...recipient, mailbox: event.mailbox, messageId: event.messageId });
  }
  // Mail kept outside is stored by the relay itself, without a hop: match the recipient alone.
  for (const event of worldEvents) {
    if (event.type !== 'stored' || !event.outside) continue;
    const recipient = recipients.get(event.mailbox);
    if (recipient?.outcome === 'outside' && recipient.mailbox === null) {
      recipients.set(recipient.address, { ...recipient, mailbox: event.mailbox, messageId: event.messageId });
    }
  }

  const fates = [...recipients.values()];
  const bounces = depth >= MAX_BOUNCE_DEPTH
    ? []
    : events.flatMap((e) => (e.type === 'bounce' ? [journeyPath(null, worldEvents, e.bounceQueueId, depth + 1)] : []));
  const deferredRetries = fates.flatMap((r) => (r.outcome === 'deferred' && r.retryAt !== null ? [r.retryAt] : []));

  return {
    queueId: id,
    kind: queued?.type === 'queued' ? queued.kind : null,
    bounceOf: bounceEvent?.type === 'bounce' ? bounceEvent.queueId : null,
    from: queued?.type === 'queued' ? queued.from : null,
    state: pathState(submission, events, hops, fates),
    hops,
    lookups,
    recipients: fates,
    nextRetryAt: deferredRetries.length ? Math.min(...deferredRetries) : null,
    events,
    bounces,
  };
}

/**
 * The check a receiving host ran belongs to the hop whose transaction carried the mail: on its
 * conversation, after that hop's relay.hop and before the next mail on the same connection (a
 * kept-open connection carries one transaction after another, each checked before its reply).
 */
function attachChecks(worldEvents: readonly WorldEvent[], hopOfEvent: ReadonlyMap<WorldEvent, number>, hops: PathHop[]): void {
  if (hopOfEvent.size === 0) return;
  const current = new Map<string, PathHop | null>();
  for (const event of worldEvents) {
    if (event.type === 'relay.hop' && event.conversation !== null) {
      const index = hopOfEvent.get(event);
      current.set(event.conversation, index === undefined ? null : (hops[index] ?? null));
    } else if (event.type === 'auth' && event.conversation !== null) {
      const hop = current.get(event.conversation);
      if (hop && !hop.auth) hop.auth = event;
    }
  }
}

/**
 * The check behind a mailbox copy, for its Verdicts tab: the last its host ran on the copy's
 * conversation before storing it, by the same rule as `attachChecks` (each transaction of a
 * kept-open connection is checked before it is stored). Without the stored event (dropped from
 * the page's window), the conversation's last check.
 */
export function checkOfCopy(worldEvents: readonly WorldEvent[], messageId: string, conversation: string): AuthEvent | undefined {
  const stored = worldEvents.findIndex((e) => e.type === 'stored' && e.messageId === messageId);
  const before = stored === -1 ? worldEvents : worldEvents.slice(0, stored);
  return before.findLast((e): e is AuthEvent => e.type === 'auth' && e.conversation === conversation);
}

/**
 * The conversation whose journey shows the mail a check judged: the submission that queued it.
 * Not the checked hop's own conversation: a relay connection kept open carries several mails, and
 * its journey is its first mail's. That one only when no submission was recorded.
 */
export function journeyConversationOfCheck(worldEvents: readonly WorldEvent[], check: AuthEvent): string | null {
  const at = worldEvents.indexOf(check);
  const hop = (at === -1 ? worldEvents : worldEvents.slice(0, at)).findLast((e) => e.type === 'relay.hop' && e.conversation === check.conversation);
  if (hop?.type !== 'relay.hop') return check.conversation;
  const root = rootQueueId(hop.queueId, worldEvents);
  const queued = worldEvents.find((e) => e.type === 'queued' && e.queueId === root);
  return (queued?.type === 'queued' ? queued.conversation : null) ?? check.conversation;
}

function emptyRecipient(address: string): RecipientPath {
  return { address, outcome: 'pending', attempts: 0, response: null, status: null, host: null, retryAt: null, mailbox: null, messageId: null, bounceQueueId: null };
}

function relayHop(
  event: Extract<WorldEvent, { type: 'relay.hop' | 'relay.unreachable' }>,
  queued: WorldEvent | undefined,
  sender: string,
): PathHop {
  const kind = queued?.type === 'queued' ? queued.kind : 'mail';
  return {
    hop: kind === 'bounce' ? 2 : 1,
    attempt: event.attempt,
    // A bounce from a recipient host is sent by that host, not by the lab's relay.
    from: sender,
    to: event.host,
    domain: event.domain,
    conversation: null,
    state: 'in-progress',
    retryAt: null,
    at: event.at,
    detail: null,
  };
}

function hopStateOf(outcome: RecipientOutcome): HopState {
  if (outcome === 'suppressed') return 'failed';
  return outcome;
}

/** One hop carries several recipients: the hop's state is what they came to together. */
function combine(current: HopState, next: HopState): HopState {
  if (current === 'in-progress' || current === next) return next;
  if (current === 'deferred' || next === 'deferred') return 'deferred';
  return 'partial';
}

function pathState(
  submission: SubmissionHop | null,
  events: readonly WorldEvent[],
  hops: readonly PathHop[],
  fates: readonly RecipientPath[],
): PathState {
  if (events.length === 0) {
    if (!submission) return 'queued';
    if (submission.state === 'refused' || submission.state === 'aborted') return submission.state;
    return submission.state === 'accepted' ? 'queued' : 'submitting';
  }
  const last = events.at(-1);
  const inFlight = hops.some((h) => h.hop > 0 && h.state === 'in-progress');
  const attempt = Math.max(0, ...hops.map((h) => h.attempt));
  if (inFlight) return attempt > 1 ? 'retry' : 'relay';
  if (fates.some((r) => r.outcome === 'deferred')) {
    // A lookup after the deferral is the retry beginning.
    return last?.type === 'dns.lookup' || last?.type === 'relay.connecting' ? 'retry' : 'deferred';
  }
  if (fates.length && fates.every((r) => r.outcome !== 'pending')) {
    const failed = fates.filter((r) => r.outcome === 'failed' || r.outcome === 'suppressed').length;
    const outside = fates.filter((r) => r.outcome === 'outside').length;
    if (failed === fates.length) return 'bounced';
    if (failed > 0) return 'partial';
    return outside === fates.length ? 'outside' : 'delivered';
  }
  if (last?.type === 'dns.lookup') return 'lookup';
  if (last?.type === 'relay.connecting' || last?.type === 'relay.unreachable') return attempt > 1 ? 'retry' : 'relay';
  return 'queued';
}
