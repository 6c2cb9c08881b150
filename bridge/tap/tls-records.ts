/**
 * What an eavesdropper sees of a TLS connection: records with a type and a length, never the text.
 * The tap reads the 5-byte record headers (RFC 8446 §5.1: type, version, length) out of the raw
 * bytes on the client's side. Node's TLSSocket reads a net.Socket's handle natively, so those bytes
 * never pass through JavaScript; a small Duplex between the raw socket and the TLSSocket (which
 * accepts any Duplex) lets the tap count them.
 */
import type net from 'node:net';
import { Duplex } from 'node:stream';
import type { TlsRecord } from '../../core/wire';

const HEADER = 5;

const TYPES: Record<number, string> = {
  20: 'change-cipher-spec',
  21: 'alert',
  22: 'handshake',
  23: 'application-data',
};

const WORDS: Record<string, string> = {
  'change-cipher-spec': 'change cipher spec',
  alert: 'alert',
  handshake: 'handshake',
  'application-data': 'application data',
};

/** "TLS application data, 53 bytes" */
export function describeRecord(record: TlsRecord): string {
  return `TLS ${WORDS[record.type] ?? 'record of unknown type'}, ${record.bytes} bytes`;
}

/** Finds record headers in a byte stream that may be cut anywhere, even inside a header. */
export class RecordParser {
  readonly #from: TlsRecord['from'];
  readonly #header = Buffer.alloc(HEADER);
  #filled = 0;
  /** Payload bytes of the current record still to skip. */
  #left = 0;

  constructor(from: TlsRecord['from']) {
    this.#from = from;
  }

  push(chunk: Buffer): TlsRecord[] {
    const records: TlsRecord[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.#left > 0) {
        const skip = Math.min(this.#left, chunk.length - at);
        this.#left -= skip;
        at += skip;
        continue;
      }
      const take = Math.min(HEADER - this.#filled, chunk.length - at);
      chunk.copy(this.#header, this.#filled, at, at + take);
      this.#filled += take;
      at += take;
      if (this.#filled < HEADER) break;
      this.#filled = 0;
      const type = this.#header[0] ?? 0;
      this.#left = this.#header.readUInt16BE(3);
      records.push({ from: this.#from, type: TYPES[type] ?? 'unknown', bytes: this.#left });
    }
    return records;
  }
}

/**
 * A Duplex over `raw` for a TLSSocket to sit on: bytes read from `raw` come from its peer, bytes
 * written go to it. Both are passed on untouched; only their record headers are reported.
 */
export class RecordCountingStream extends Duplex {
  readonly #raw: net.Socket;
  readonly #incoming: RecordParser;
  readonly #outgoing: RecordParser;
  readonly #onRecord: (record: TlsRecord) => void;

  /** `peer`: who is on the other end of `raw` (its bytes are that side's records). */
  constructor(raw: net.Socket, peer: TlsRecord['from'], onRecord: (record: TlsRecord) => void) {
    super({ allowHalfOpen: true });
    this.#raw = raw;
    this.#onRecord = onRecord;
    this.#incoming = new RecordParser(peer);
    this.#outgoing = new RecordParser(peer === 'client' ? 'server' : 'client');
    raw.on('data', (chunk: Buffer) => {
      this.#report(this.#incoming.push(chunk));
      // Backpressure: stop reading the socket until the TLSSocket asks for more.
      if (!this.push(chunk)) raw.pause();
    });
    raw.on('end', () => this.push(null));
    raw.on('close', () => this.destroy());
    // The tap reports the raw socket's own errors; passing them on would report them twice.
    raw.on('error', () => this.destroy());
  }

  override _read(): void {
    this.#raw.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#report(this.#outgoing.push(chunk));
    if (this.#raw.destroyed) {
      callback();
      return;
    }
    this.#raw.write(chunk, (error) => callback(error ?? null));
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.#raw.destroyed) this.#raw.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#raw.destroy();
    callback(error);
  }

  #report(records: TlsRecord[]): void {
    for (const record of records) this.#onRecord(record);
  }
}
