/**
 * One memory budget per lab. Everything a lab keeps — transcript lines, accepted messages, mailbox
 * copies in the world, mail waiting in the queue and its bounces — is counted here, so one learner
 * (or one script on the lab's SMTP port) cannot take the bridge's memory from every other lab.
 * Past the budget the oldest record that may go, goes first, whichever store holds it; the lab
 * then tells its pages what was dropped. Mail still in the queue is never dropped: it is counted,
 * and a full queue makes the lab answer new mail with 452 instead (see lab.ts).
 */

/** What a store of records tells the budget. */
export interface BudgetedStore {
  /** Bytes it holds now (the text and raw source it keeps, with a small allowance per record). */
  readonly bytes: number;
  /** When the oldest record it may drop began (epoch ms), or null when it may drop none. */
  oldestDroppable(): number | null;
  /** Drop that record and say what it was. */
  dropOldest(): DroppedRecord | null;
}

export type DroppedKind = 'message' | 'mailbox-copy' | 'conversation' | 'lines';

export interface DroppedRecord {
  kind: DroppedKind;
  id: string;
  bytes: number;
}

/** Budgets are set in megabytes, on the command line and in tests. */
export const MB = 1024 * 1024;
/** Hosted mode: a class shares one server, so each lab gets a share a small machine can hold hundreds of. */
export const DEFAULT_HOSTED_LAB_BYTES = 64 * MB;
/** One lab on one's own machine: room for a long day of testing an app, still far from the machine's memory. */
export const DEFAULT_LOCAL_LAB_BYTES = 512 * MB;
/** What a record costs beyond its text or source (object, ids, summary), roughly. */
export const RECORD_OVERHEAD_BYTES = 256;
/** What a transcript line costs beyond its text, roughly. */
export const LINE_OVERHEAD_BYTES = 64;

/**
 * The largest message a lab with this budget accepts: a quarter of it, since one message is kept
 * as accepted, waits in the queue and lands in a mailbox.
 */
export function largestMessageWithin(budgetBytes: number, askedBytes: number): number {
  return Math.min(askedBytes, Math.floor(budgetBytes / 4));
}

/** Bytes counted that may not be dropped (mail in the queue): the budget only sees how many. */
export function countedOnly(bytes: () => number): BudgetedStore {
  return { get bytes() { return bytes(); }, oldestDroppable: () => null, dropOldest: () => null };
}

/** What the page is told of one round of drops: the ids of each kind, and a sentence saying why. */
export function describeDrops(dropped: readonly DroppedRecord[], maxBytes: number): { messages: string[]; mailboxCopies: string[]; conversations: string[]; reason: string } {
  const of = (kind: DroppedKind) => dropped.filter((d) => d.kind === kind).map((d) => d.id);
  const kinds = [
    of('message').length ? 'messages' : '',
    of('mailbox-copy').length ? 'mailbox copies' : '',
    of('conversation').length ? 'conversations' : '',
    of('lines').length ? 'lines of a long conversation' : '',
  ].filter(Boolean);
  return {
    messages: of('message'),
    mailboxCopies: of('mailbox-copy'),
    conversations: of('conversation'),
    reason: `This lab keeps at most ${Math.round(maxBytes / MB)} MB of mail and transcripts: the oldest ${kinds.join(', ')} were removed to make room.`,
  };
}

export class LabBudget {
  readonly maxBytes: number;
  readonly #stores: BudgetedStore[] = [];
  readonly #onDrop: (dropped: DroppedRecord[]) => void;
  #enforcing = false;

  constructor(maxBytes: number, onDrop: (dropped: DroppedRecord[]) => void) {
    this.maxBytes = maxBytes;
    this.#onDrop = onDrop;
  }

  track(store: BudgetedStore): void {
    this.#stores.push(store);
  }

  get bytes(): number {
    let total = 0;
    for (const store of this.#stores) total += store.bytes;
    return total;
  }

  /** After any store grew: drop the oldest records, across stores, until the lab is within budget. */
  enforce(): void {
    // A drop can make a store report again (a conversation forgotten mid-line): one pass at a time.
    if (this.#enforcing || this.bytes <= this.maxBytes) return;
    this.#enforcing = true;
    const dropped: DroppedRecord[] = [];
    try {
      while (this.bytes > this.maxBytes) {
        let oldest: BudgetedStore | null = null;
        let oldestAt = Number.POSITIVE_INFINITY;
        for (const store of this.#stores) {
          const at = store.oldestDroppable();
          if (at !== null && at < oldestAt) {
            oldest = store;
            oldestAt = at;
          }
        }
        const record = oldest?.dropOldest();
        if (!record) break;
        dropped.push(record);
      }
    } finally {
      this.#enforcing = false;
    }
    if (dropped.length > 0) this.#onDrop(dropped);
  }
}
