/**
 * One lab's database: SQLite in WAL mode, in the data directory. Memory stays the lab's working
 * set, bounded by its budget as before; every store writes through to this file, and a lab that
 * starts on an existing file takes back what it holds.
 *
 * Every write is gathered and committed in order, in one transaction per turn of the event loop
 * when a message waits for it, else every LAZY_COMMIT_MS: a commit costs far more than the rows in
 * it, and a conversation's lines come over many turns. An accepted message's write is one the
 * lab server waits for: its 250 goes out only once that commit is done (WAL with
 * synchronous=NORMAL: it survives the process being killed; a power cut may take the last
 * transactions). Mailbox copies and queue progress need no wait of their own: committed in order,
 * a copy lost with the last transaction took the queue's "delivered" with it, so the queue
 * delivers it again after a restart, as an MTA that crashed after the 250 does.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { TapEvent } from '../../core/wire';
import type { ConversationWriter, KeptConversation } from '../lab/conversations';
import type { Handoff, KeptMessage, MessageWriter } from '../lab/message-store';
import type { AcceptedMessage } from '../lab/smtp-server';
import type { MailboxWriter, StoredMessage } from '../world/mailboxes';
import type { QueueEntry, QueueWriter } from '../world/queue';
import type { KeptWorld } from '../world/world';
import type { LearnerZone } from '../../core/world/learner-zone';
import { migrate } from './schema';

/** Everything a lab database holds, oldest first in each list. */
export interface KeptLab {
  conversations: KeptConversation[];
  messages: KeptMessage[];
  /** Accepted messages the relay queue had not taken when the lab stopped: they go to it now. */
  unqueued: AcceptedMessage[];
  world: KeptWorld;
  clockOffsetMs: number;
  /** The learner's domain as last published; null: a database from before it was kept. */
  learnerZone: LearnerZone | null;
}

/** Lines one row holds at most: what memory no longer keeps is removed from disk by whole rows. */
const LINES_PER_ROW = 128;
/** A conversation's lines are pruned to what it keeps in memory every this many lines, and at its end. */
const PRUNE_EVERY_LINES = 1024;

/**
 * How long lines, queue progress and drops may wait for a commit when no message waits: what a
 * killed bridge may lose of them (never a message it acknowledged).
 */
const LAZY_COMMIT_MS = 50;

/** How long a write waits for a lock another connection holds before it fails. */
const LOCKED_WAIT_MS = 1_000;

type Statements = ReturnType<typeof prepare>;

function prepare(db: Database.Database) {
  return {
    conversationStarted: db.prepare('INSERT OR REPLACE INTO conversations (id, origin, peer, started_at, ended_at, state) VALUES (?, ?, ?, ?, NULL, ?)'),
    conversationState: db.prepare('UPDATE conversations SET state = ? WHERE id = ?'),
    conversationEnded: db.prepare('UPDATE conversations SET ended_at = ?, state = ? WHERE id = ?'),
    conversationForgotten: db.prepare('DELETE FROM conversations WHERE id = ?'),
    lines: db.prepare('INSERT OR REPLACE INTO lines (conversation, seq, last, lines) VALUES (?, ?, ?, ?)'),
    linesForgotten: db.prepare('DELETE FROM lines WHERE conversation = ?'),
    linesPruned: db.prepare('DELETE FROM lines WHERE conversation = ? AND seq >= ? AND last < ?'),
    message: db.prepare('INSERT OR REPLACE INTO messages (id, conversation, envelope_from, envelope_to, received_at, raw, handoff) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    messageQueued: db.prepare('UPDATE messages SET handoff = NULL WHERE id = ? AND handoff IS NOT NULL'),
    messageForgotten: db.prepare('DELETE FROM messages WHERE id = ?'),
    copy: db.prepare('INSERT OR REPLACE INTO mailbox_copies (id, mailbox, host, conversation, envelope_from, envelope_to, received_at, outside, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    copyForgotten: db.prepare('DELETE FROM mailbox_copies WHERE id = ?'),
    queued: db.prepare('INSERT INTO relay_queue (queue_id, entry, raw, retry_at) VALUES (?, ?, ?, ?) ON CONFLICT (queue_id) DO UPDATE SET entry = excluded.entry, retry_at = excluded.retry_at'),
    unqueued: db.prepare('DELETE FROM relay_queue WHERE queue_id = ?'),
    clock: db.prepare('INSERT OR REPLACE INTO lab_clock (id, offset_ms) VALUES (1, ?)'),
    zone: db.prepare('INSERT OR REPLACE INTO learner_zone (id, domain, records, mta_sts) VALUES (1, ?, ?, ?)'),
  };
}

export class LabDatabase {
  readonly file: string;
  readonly #db: Database.Database;
  readonly #sql: Statements;
  readonly #log: (message: string) => void;
  /** Writes that wait for the next commit, in order; `done` is told when a write is waited for. */
  #pending: Array<{ write: () => void; done?: { resolve(): void; reject(error: unknown): void } }> = [];
  #soon: NodeJS.Immediate | null = null;
  #lazy: NodeJS.Timeout | null = null;
  /**
   * Lines that came since the last commit, per conversation: written as one row each, since a row
   * per line cost more than everything else the lab writes.
   */
  readonly #lines = new Map<string, { conversation: { readonly state: string }; first: number; last: number; lines: TapEvent[] }>();
  #closed = false;

  /** Open (or create) the database at `file`, bringing an older schema forward. */
  static open(file: string, log: (message: string) => void = () => {}): LabDatabase {
    mkdirSync(dirname(file), { recursive: true });
    // Only this lab writes here; a lock held elsewhere (another process on the same --data-dir) must
    // not stall the lab for long: past the wait a write fails, and a message gets 451, not a 250.
    const db = new Database(file, { timeout: LOCKED_WAIT_MS });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrate(db);
    } catch (error) {
      db.close();
      throw new Error(`cannot open the lab database ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return new LabDatabase(file, db, log);
  }

  /** Remove a lab's database and its WAL files (a hosted lab that expired). */
  static remove(file: string): void {
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  }

  private constructor(file: string, db: Database.Database, log: (message: string) => void) {
    this.file = file;
    this.#db = db;
    this.#sql = prepare(db);
    this.#log = log;
  }

  readonly conversations: ConversationWriter = {
    started: (c) => this.#later(() => this.#sql.conversationStarted.run(c.id, c.origin, c.peer, c.startedAt, c.state)),
    line: (c, seq, line) => {
      if (this.#closed) return;
      const batch = this.#lines.get(c.id);
      // Lines of one conversation come in order; anything else starts a row of its own.
      if (batch && batch.last === seq - 1 && batch.lines.length < LINES_PER_ROW) {
        batch.lines.push(line);
        batch.last = seq;
      } else {
        if (batch) this.#writeLines(c.id);
        this.#lines.set(c.id, { conversation: c, first: seq, last: seq, lines: [line] });
      }
      this.#schedule(false);
      if (seq > 0 && seq % PRUNE_EVERY_LINES === 0) this.#prune(c);
    },
    ended: (c) => {
      const { endedAt, state, id } = c;
      this.#writeLines(id);
      this.#later(() => this.#sql.conversationEnded.run(endedAt, state, id));
      this.#prune(c);
    },
    forgotten: (id) => {
      this.#lines.delete(id);
      this.#later(() => {
        this.#sql.conversationForgotten.run(id);
        this.#sql.linesForgotten.run(id);
      });
    },
  };

  readonly messages: MessageWriter = {
    added: (message, handoff) => {
      const kept: Handoff | null = handoff ? { recipients: handoff.recipients, dsn: handoff.dsn, authenticated: handoff.authenticated } : null;
      const { id, envelope, receivedAt, raw } = message;
      return this.#committed(() => this.#sql.message.run(id, envelope.conversation, envelope.from, JSON.stringify(envelope.to), receivedAt, raw, kept ? JSON.stringify(kept) : null));
    },
    forgotten: (id) => this.#later(() => this.#sql.messageForgotten.run(id)),
  };

  readonly mailboxes: MailboxWriter = {
    added: (m) =>
      this.#later(() => this.#sql.copy.run(m.id, m.mailbox, m.host, m.conversation, m.envelopeFrom, JSON.stringify(m.envelopeTo), m.receivedAt, m.outside ? 1 : 0, m.raw)),
    forgotten: (id) => this.#later(() => this.#sql.copyForgotten.run(id)),
  };

  readonly queue: QueueWriter = {
    saved: (entry, retryAt) => {
      const { raw, ...rest } = entry;
      const text = JSON.stringify(rest);
      this.#later(() => {
        this.#sql.queued.run(entry.queueId, text, raw, retryAt);
        // The queue has it now: a restart must not hand it over a second time.
        if (entry.kind === 'mail') this.#sql.messageQueued.run(entry.queueId);
      });
    },
    removed: (queueId) => this.#later(() => this.#sql.unqueued.run(queueId)),
  };

  clockMoved(offsetMs: number): void {
    this.#later(() => this.#sql.clock.run(Math.round(offsetMs)));
  }

  /** The learner's zone as published now (the lab started, or the learner, a lesson or a reset changed it). */
  zoneChanged(zone: LearnerZone): void {
    const records = JSON.stringify(zone.records);
    const mtaSts = zone.mtaSts ? JSON.stringify(zone.mtaSts) : null;
    this.#later(() => this.#sql.zone.run(zone.domain, records, mtaSts));
  }

  /** Everything the database holds, for a lab starting on it. */
  load(): KeptLab {
    const db = this.#db;
    const lines = new Map<string, Array<{ seq: number; line: TapEvent }>>();
    for (const row of db.prepare('SELECT conversation, seq, lines FROM lines ORDER BY conversation, seq').iterate() as Iterable<{ conversation: string; seq: number; lines: string }>) {
      let list = lines.get(row.conversation);
      if (!list) lines.set(row.conversation, (list = []));
      (JSON.parse(row.lines) as TapEvent[]).forEach((line, i) => list.push({ seq: row.seq + i, line }));
    }
    const conversations = (db.prepare('SELECT * FROM conversations ORDER BY started_at, rowid').all() as ConversationRow[]).map(
      (row): KeptConversation => ({
        id: row.id,
        origin: row.origin as KeptConversation['origin'],
        peer: row.peer,
        startedAt: row.started_at,
        endedAt: row.ended_at,
        state: row.state,
        lines: lines.get(row.id) ?? [],
      }),
    );
    const messages: KeptMessage[] = [];
    const unqueued: AcceptedMessage[] = [];
    for (const row of db.prepare('SELECT * FROM messages ORDER BY rowid').iterate() as Iterable<MessageRow>) {
      const envelope = { conversation: row.conversation, from: row.envelope_from, to: JSON.parse(row.envelope_to) as string[] };
      messages.push({ id: row.id, envelope, receivedAt: row.received_at, raw: row.raw });
      if (row.handoff) unqueued.push({ id: row.id, conversation: row.conversation, envelopeFrom: row.envelope_from, raw: row.raw, ...(JSON.parse(row.handoff) as Handoff) });
    }
    const copies = (db.prepare('SELECT * FROM mailbox_copies ORDER BY rowid').all() as CopyRow[]).map(
      (row): StoredMessage => ({
        id: row.id,
        mailbox: row.mailbox,
        host: row.host,
        conversation: row.conversation,
        envelopeFrom: row.envelope_from,
        envelopeTo: JSON.parse(row.envelope_to) as string[],
        receivedAt: row.received_at,
        outside: row.outside === 1,
        raw: row.raw,
      }),
    );
    const queue = (db.prepare('SELECT * FROM relay_queue ORDER BY rowid').all() as QueueRow[]).map((row) => ({
      entry: { ...(JSON.parse(row.entry) as Omit<QueueEntry, 'raw'>), raw: row.raw },
      retryAt: row.retry_at,
    }));
    const clock = db.prepare('SELECT offset_ms FROM lab_clock WHERE id = 1').get() as { offset_ms: number } | undefined;
    const zone = db.prepare('SELECT domain, records, mta_sts FROM learner_zone WHERE id = 1').get() as ZoneRow | undefined;
    const learnerZone: LearnerZone | null = zone
      ? { domain: zone.domain, records: JSON.parse(zone.records) as LearnerZone['records'], mtaSts: zone.mta_sts ? (JSON.parse(zone.mta_sts) as NonNullable<LearnerZone['mtaSts']>) : null }
      : null;
    return { conversations, messages, unqueued, world: { copies, queue }, clockOffsetMs: clock?.offset_ms ?? 0, learnerZone };
  }

  /**
   * Commit what waits now (the lab is closing, or a test wants to read the file). A commit that
   * fails loses what it held, and every write waited for hears why.
   */
  flush(): void {
    if (this.#closed) return;
    if (this.#soon) clearImmediate(this.#soon);
    if (this.#lazy) clearTimeout(this.#lazy);
    this.#soon = null;
    this.#lazy = null;
    const pending = this.#pending;
    this.#pending = [];
    try {
      this.#db.transaction(() => {
        for (const { write } of pending) write();
        for (const [id, batch] of this.#lines) {
          this.#sql.lines.run(id, batch.first, batch.last, JSON.stringify(batch.lines));
          this.#sql.conversationState.run(batch.conversation.state, id);
        }
      })();
    } catch (error) {
      for (const { done } of pending) done?.reject(error);
      throw error;
    }
    this.#lines.clear();
    for (const { done } of pending) done?.resolve();
  }

  close(): void {
    if (this.#closed) return;
    try {
      this.flush();
    } finally {
      this.#closed = true;
      this.#db.close();
    }
  }

  /** A conversation's waiting lines become a write in order with the others (it ended, or its lines broke order). */
  #writeLines(id: string): void {
    const batch = this.#lines.get(id);
    if (!batch) return;
    this.#lines.delete(id);
    // Read now: the lines are the conversation's own records, kept as the tap made them.
    const text = JSON.stringify(batch.lines);
    this.#later(() => this.#sql.lines.run(id, batch.first, batch.last, text));
  }

  /** Forget the rows of lines a conversation no longer keeps in memory (rows wholly between its first and latest lines). */
  #prune(c: Parameters<ConversationWriter['ended']>[0]): void {
    const { headEnd, tailStart } = c.keptNumbers();
    if (headEnd < tailStart) this.#later(() => this.#sql.linesPruned.run(c.id, headEnd, tailStart));
  }

  #later(write: () => void): void {
    if (this.#closed) return;
    this.#pending.push({ write });
    this.#schedule(false);
  }

  /** Resolves once `write` is committed; rejects if that commit fails or the database is closed. */
  #committed(write: () => void): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the lab database is closed'));
    return new Promise((resolve, reject) => {
      this.#pending.push({ write, done: { resolve, reject } });
      this.#schedule(true);
    });
  }

  /** `waited`: a message waits for this commit, so it comes next turn; else within LAZY_COMMIT_MS. */
  #schedule(waited: boolean): void {
    if (this.#soon) return;
    if (waited) {
      this.#soon = setImmediate(() => this.#commitNow());
    } else if (!this.#lazy) {
      this.#lazy = setTimeout(() => this.#commitNow(), LAZY_COMMIT_MS);
      this.#lazy.unref();
    }
  }

  #commitNow(): void {
    try {
      this.flush();
    } catch (error) {
      this.#log(`lab database: could not save: ${String(error)}`);
    }
  }
}

interface ConversationRow {
  id: string;
  origin: string;
  peer: string;
  started_at: number;
  ended_at: number | null;
  state: string;
}

interface MessageRow {
  id: string;
  conversation: string;
  envelope_from: string;
  envelope_to: string;
  received_at: number;
  raw: Buffer;
  handoff: string | null;
}

interface CopyRow {
  id: string;
  mailbox: string;
  host: string;
  conversation: string | null;
  envelope_from: string;
  envelope_to: string;
  received_at: number;
  outside: number;
  raw: Buffer;
}

interface QueueRow {
  queue_id: string;
  entry: string;
  raw: Buffer;
  retry_at: number | null;
}

interface ZoneRow {
  domain: string;
  records: string;
  mta_sts: string | null;
}
