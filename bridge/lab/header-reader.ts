/**
 * The fields a message list shows, read without holding up the thread that answers learners. A
 * header block of a few lines takes microseconds to read, less than handing it to a worker; one
 * of thousands of addresses or encoded words takes tens of milliseconds (60 ms for 256 KB of
 * addresses), during which every lab of the bridge would wait. So a block up to `inlineBytes` is
 * read here, and a bigger one in the worker pool, with its deadline.
 */
import { log } from '../log';
import { readHeadersOffThread, type HeaderReadOptions } from '../world/mail-auth-service';
import { headerBlock, headerSummary, NO_HEADER_SUMMARY, type HeaderSummary } from './message-headers';

/** A header block up to this many bytes is read in this thread: at most about a millisecond. */
export const INLINE_HEADER_BYTES = 4 * 1024;

export interface HeaderReaderOptions extends HeaderReadOptions {
  /** A bigger header block is read in a worker (INLINE_HEADER_BYTES). */
  inlineBytes?: number;
  log?: (message: string) => void;
}

export class HeaderReader {
  readonly #inlineBytes: number;
  readonly #options: HeaderReadOptions;
  readonly #log: (message: string) => void;
  /** Keyed by the message's bytes, which every store keeps for as long as it keeps the message. */
  readonly #read = new WeakMap<Buffer, HeaderSummary>();
  readonly #reading = new WeakMap<Buffer, Promise<HeaderSummary>>();

  constructor(options: HeaderReaderOptions = {}) {
    const { inlineBytes, log: logLine, ...rest } = options;
    this.#inlineBytes = inlineBytes ?? INLINE_HEADER_BYTES;
    this.#options = rest;
    this.#log = logLine ?? ((message) => log('warn', message));
  }

  /** The fields if they are read or quick to read; null while a worker reads them (started here). */
  now(raw: Buffer): HeaderSummary | null {
    const known = this.#read.get(raw);
    if (known) return known;
    const block = headerBlock(raw);
    if (block.length > this.#inlineBytes) {
      void this.read(raw);
      return null;
    }
    return this.#keep(raw, safely(() => headerSummary(block)));
  }

  /** The fields, from a worker when the header block is big. Never rejects: unreadable headers give empty fields. */
  read(raw: Buffer): Promise<HeaderSummary> {
    const known = this.#read.get(raw);
    if (known) return Promise.resolve(known);
    let reading = this.#reading.get(raw);
    if (!reading) {
      const block = headerBlock(raw);
      reading = (block.length > this.#inlineBytes ? readHeadersOffThread(block, this.#log, this.#options) : Promise.resolve(safely(() => headerSummary(block))))
        .catch(() => emptyFields())
        .then((fields) => {
          this.#reading.delete(raw);
          return this.#keep(raw, fields);
        });
      this.#reading.set(raw, reading);
    }
    return reading;
  }

  /**
   * Runs `then` once the message's fields can be had at once: now if they are quick to read (they
   * are still read only when asked for), else once a worker has read them. A new message is
   * announced this way, so its page entry carries its subject.
   */
  whenRead(raw: Buffer, then: () => void): void {
    if (this.#read.has(raw) || headerBlock(raw).length <= this.#inlineBytes) then();
    else void this.read(raw).then(then);
  }

  #keep(raw: Buffer, fields: HeaderSummary): HeaderSummary {
    this.#read.set(raw, fields);
    return fields;
  }
}

function emptyFields(): HeaderSummary {
  return { ...NO_HEADER_SUMMARY, to: [] };
}

/** Learners type broken messages on purpose; the raw source is still worth keeping. */
function safely(read: () => HeaderSummary): HeaderSummary {
  try {
    return read();
  } catch {
    return emptyFields();
  }
}

/** The bridge's reader, shared by the lab's message store and the world's mailboxes. */
export const headerReader = new HeaderReader();
