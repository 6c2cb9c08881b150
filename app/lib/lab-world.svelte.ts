/**
 * The mail world as the bridge reports it: the world description (domains, MX, hosts), the world
 * events (queue, lookups, hops, recipients, bounces), the mailboxes and the lab clock. Like every
 * other piece of app state it only keeps the bridge's latest word; a `welcome` replaces it all.
 */
import type { MailboxSummary, WorldDescription, WorldEvent } from '../../core/world/world-events';
import type { BridgeMessage } from '../../core/protocol/messages';
import type { LearnerZone } from '../../core/world/learner-zone';
import type { MessageSummary } from '../../core/wire';

/** Enough history for every journey a learner looks at in one sitting; older events drop off. */
const MAX_EVENTS = 2000;

export class LabWorld {
  #description = $state.raw<WorldDescription | null>(null);
  #events = $state.raw<WorldEvent[]>([]);
  #mailboxes = $state.raw<MailboxSummary[]>([]);
  /** The lab clock as last reported, and the page's time when it was, so it can run on between reports. */
  #clock = $state.raw<{ lab: number; local: number } | null>(null);
  /** Bumped whenever a mailbox gains a message, so an open mailbox knows to refetch. */
  #mailboxRevision = $state(0);
  /** The learner's records as last published, once they changed while this page was open. */
  #zone = $state.raw<LearnerZone | null>(null);

  get description(): WorldDescription | null {
    return this.#description;
  }
  /** Oldest first. */
  get events(): WorldEvent[] {
    return this.#events;
  }
  /** Sorted by address, the learner's own mailbox first. */
  get mailboxes(): MailboxSummary[] {
    return this.#mailboxes;
  }
  get mailboxRevision(): number {
    return this.#mailboxRevision;
  }
  get zone(): LearnerZone | null {
    return this.#zone;
  }

  /** The lab clock now, given the page's clock `localNow` (pass a ticking value to redraw). */
  clockAt(localNow: number): number | null {
    const clock = this.#clock;
    return clock ? clock.lab + (localNow - clock.local) : null;
  }

  /** The bridge's word on the world: an event, the clock, or new records and hosts (a lesson's scenario, the learner's zone). */
  receive(message: Extract<BridgeMessage, { type: 'world.event' | 'clock' | 'world.changed' | 'zone.changed' }>): void {
    if (message.type === 'world.event') this.push(message.event);
    else if (message.type === 'clock') this.setClock(message.now);
    else if (message.type === 'zone.changed') this.#zone = message.zone;
    else {
      this.#description = message.world;
      this.replaceMailboxes(message.mailboxes);
    }
  }

  reset(welcome: { world: WorldDescription; mailboxes: MailboxSummary[]; worldEvents: WorldEvent[]; clock: number }): void {
    // `??`: a bridge from before the mail world sends none of these; the lab still works without them.
    this.#description = welcome.world ?? null;
    this.#events = (welcome.worldEvents ?? []).slice(-MAX_EVENTS);
    this.#mailboxes = sortMailboxes(welcome.mailboxes ?? [], welcome.world?.relay.domain ?? '');
    // The welcome's counts already include every copy stored so far.
    this.#counted.clear();
    for (const event of this.#events) if (event.type === 'stored') this.#counted.add(event.messageId);
    this.setClock(welcome.clock ?? Date.now());
    this.#mailboxRevision++;
  }

  push(event: WorldEvent): void {
    this.#events = [...this.#events, event].slice(-MAX_EVENTS);
    // Event time is the lab clock: a later event is also a fresher reading of it.
    if (!this.#clock || event.at > this.clockAt(Date.now())!) this.setClock(event.at);
    if (event.type === 'stored') this.#countMessage(event.mailbox, event.outside, event.at, event.messageId);
  }

  setClock(now: number): void {
    this.#clock = { lab: now, local: Date.now() };
  }

  /** A `message.stored` for a mailbox copy: the inbox counts it even if no world event said so. */
  noteMessage(message: MessageSummary): void {
    if (message.mailbox) this.#countMessage(message.mailbox, false, message.receivedAt, message.id);
  }

  /** Replace the list with the bridge's (`GET /api/mailboxes`). */
  replaceMailboxes(mailboxes: MailboxSummary[]): void {
    this.#mailboxes = sortMailboxes(mailboxes, this.#description?.relay.domain ?? '');
    this.#mailboxRevision++;
  }

  // A stored event and the message.stored of the same copy must count once.
  #counted = new Set<string>();

  #countMessage(address: string, outside: boolean, at: number, messageId: string): void {
    if (this.#counted.has(messageId)) return;
    this.#counted.add(messageId);
    const existing = this.#mailboxes.find((m) => m.address === address);
    const updated: MailboxSummary = existing
      ? { ...existing, messages: existing.messages + 1, unread: (existing.unread ?? 0) + 1, latestAt: Math.max(at, existing.latestAt ?? 0) }
      : { address, outside, messages: 1, unread: 1, latestAt: at };
    const others = this.#mailboxes.filter((m) => m.address !== address);
    this.#mailboxes = sortMailboxes([...others, updated], this.#description?.relay.domain ?? '');
    this.#mailboxRevision++;
  }
}

function sortMailboxes(mailboxes: MailboxSummary[], ownDomain: string): MailboxSummary[] {
  const own = (m: MailboxSummary) => (m.address.endsWith(`@${ownDomain}`) ? 0 : 1);
  return [...mailboxes].sort((a, b) => own(a) - own(b) || a.address.localeCompare(b.address));
}
