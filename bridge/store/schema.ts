/**
 * The lab database's schema, as the steps that build it. A database records how many steps it has
 * taken in SQLite's `user_version`; opening it runs the steps it has not, in one transaction each,
 * so a data directory written by an older lab opens in a newer one with everything kept.
 * Steps are only ever added at the end: a step that shipped is never edited.
 */
import type Database from 'better-sqlite3';

export const MIGRATIONS: ReadonlyArray<(db: Database.Database) => void> = [
  // 1: conversations with their lines, and the messages the lab's servers accepted.
  (db) =>
    db.exec(`
      CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        origin TEXT NOT NULL,
        peer TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        state TEXT NOT NULL
      );
      -- A conversation's lines as they came in one turn of the event loop: lines seq..last, a JSON array.
      CREATE TABLE lines (
        conversation TEXT NOT NULL,
        seq INTEGER NOT NULL,
        last INTEGER NOT NULL,
        lines TEXT NOT NULL,
        PRIMARY KEY (conversation, seq)
      ) WITHOUT ROWID;
      CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        conversation TEXT NOT NULL,
        envelope_from TEXT NOT NULL,
        envelope_to TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        raw BLOB NOT NULL
      );
    `),
  // 2: the world's side — mailbox copies, the relay queue, the lab clock — and, per accepted
  // message, what the queue needs until it has taken it (a crash between the 250 and the queue).
  (db) =>
    db.exec(`
      ALTER TABLE messages ADD COLUMN handoff TEXT;
      CREATE TABLE mailbox_copies (
        id TEXT PRIMARY KEY,
        mailbox TEXT NOT NULL,
        host TEXT NOT NULL,
        conversation TEXT,
        envelope_from TEXT NOT NULL,
        envelope_to TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        outside INTEGER NOT NULL,
        raw BLOB NOT NULL
      );
      CREATE TABLE relay_queue (
        queue_id TEXT PRIMARY KEY,
        entry TEXT NOT NULL,
        raw BLOB NOT NULL,
        retry_at INTEGER
      );
      CREATE TABLE lab_clock (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        offset_ms INTEGER NOT NULL
      );
    `),
  // 3: the learner's own domain as the lab last published it — its name (a hosted lab's is random,
  // and its mail and zone name it), records and MTA-STS policy. DKIM private keys are not kept.
  (db) =>
    db.exec(`
      CREATE TABLE learner_zone (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        domain TEXT NOT NULL,
        records TEXT NOT NULL,
        mta_sts TEXT
      );
    `),
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Bring `db` forward to `target` (default: this version). Refuses a database from a newer lab. */
export function migrate(db: Database.Database, target = SCHEMA_VERSION): void {
  const at = db.pragma('user_version', { simple: true }) as number;
  if (at > SCHEMA_VERSION) {
    throw new Error(`the lab database is from a newer SMTP Lab (schema ${at}, this one knows ${SCHEMA_VERSION}): update, or start with another --data-dir`);
  }
  for (let version = at; version < target; version++) {
    const step = MIGRATIONS[version];
    if (!step) break;
    db.transaction(() => {
      step(db);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
