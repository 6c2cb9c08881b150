/**
 * CHUNKING (RFC 3030) for one smtp-server connection, which has no BDAT of its own: EHLO lists
 * CHUNKING, and `BDAT <octets> [LAST]` takes exactly that many octets after its line as message
 * data, with no dot-stuffing and no end marker. The octets are read from smtp-server's own input
 * parser, switched out of command mode for the count, as DATA switches it until the final dot.
 *
 * RFC 3030 §2, as answered here: every chunk gets its reply once all its octets have arrived, even
 * a refused one (the octets are read and thrown away first); a refused chunk ends the transaction;
 * DATA in a transaction that had a chunk gets 503. A BDAT before EHLO offered CHUNKING is only a
 * command: no octets are read (core's session tracker reads it the same way).
 */
import type { SMTPServerSession } from 'smtp-server';
import { bdatChunk } from '../../core/machines/session-model';
import type { LabReply } from '../../core/world/world-types';

export const CHUNKING_REPLIES = {
  ehloFirst: { code: 503, enhanced: '5.5.1', text: 'Send EHLO first: BDAT belongs to the CHUNKING extension' },
  syntax: { code: 501, enhanced: '5.5.4', text: 'Syntax: BDAT <octets> [LAST]' },
  needMail: { code: 503, enhanced: '5.5.1', text: 'Error: need MAIL command' },
  needRcpt: { code: 503, enhanced: '5.5.1', text: 'Error: need RCPT command' },
  dataAfterBdat: { code: 503, enhanced: '5.5.1', text: 'DATA cannot follow BDAT in one transaction: send RSET first' },
  tooBig: (limit: number): LabReply => ({ code: 552, enhanced: '5.3.4', text: `Message exceeds the fixed maximum message size of ${limit} octets` }),
} as const;

export interface ChunkingOptions {
  /** The largest message taken (octets): chunks beyond it are read, thrown away and refused 552 5.3.4. */
  maxBytes: number;
  /** The whole message after its LAST chunk; answers as onData does (an error carries its reply code). */
  deliver(raw: Buffer, session: SMTPServerSession, done: (error?: Error | null, message?: string) => void): void;
}

type Callback = () => void;
type WriteDone = (error?: Error | null) => void;

/** The parts of smtp-server's input parser (SMTPStream) that DATA uses too. */
interface InputParser {
  _dataMode: boolean;
  _write(chunk: Buffer, encoding: string, done: WriteDone): void;
  _feedDataStream(chunk: Buffer, done: WriteDone): void;
}

interface ConnectionInternals {
  session: SMTPServerSession;
  hostNameAppearsAs: string | false;
  openingCommand: string | false;
  _parser: InputParser | null;
  _transactionCounter: number;
  _unrecognizedCommands: number;
  _resetSession(): void;
  send(code: number, data: unknown, context?: unknown): void;
  handler_EHLO(command: Buffer, callback: Callback): void;
  handler_DATA(command: Buffer, callback: Callback): void;
  handler_BDAT?: (command: Buffer, callback: Callback) => void;
}

/** The chunks of the transaction in progress (its envelope object is replaced at every reset). */
interface Chunks {
  envelope: object;
  parts: Buffer[];
  bytes: number;
}

export function useChunking(connection: object, options: ChunkingOptions): void {
  const target = connection as ConnectionInternals;
  const reply = (r: LabReply) => target.send(r.code, `${r.enhanced} ${r.text}`);
  let chunks: Chunks | null = null;
  const current = (): Chunks | null => (chunks && chunks.envelope === target.session.envelope ? chunks : null);
  const endTransaction = () => {
    chunks = null;
    target._resetSession();
  };

  const ehlo = target.handler_EHLO.bind(connection);
  target.handler_EHLO = (command, callback) => {
    const send = target.send;
    // The 250 list is the only multi-line reply EHLO sends.
    target.send = (code, data, context) => send.call(connection, code, code === 250 && Array.isArray(data) ? [...data, 'CHUNKING'] : data, context);
    try {
      ehlo(command, callback);
    } finally {
      target.send = send;
    }
  };

  const data = target.handler_DATA.bind(connection);
  target.handler_DATA = (command, callback) => {
    if (!current()) return data(command, callback);
    reply(CHUNKING_REPLIES.dataAfterBdat);
    callback();
  };

  target.handler_BDAT = (command, callback) => {
    if (!target.hostNameAppearsAs || target.openingCommand !== 'EHLO') {
      reply(CHUNKING_REPLIES.ehloFirst);
      return callback();
    }
    const chunk = bdatChunk(command.toString('latin1').replace(/^\s*\S+/, ''));
    if (!chunk) {
      reply(CHUNKING_REPLIES.syntax);
      return callback();
    }
    const envelope = target.session.envelope;
    const refusal = !envelope.mailFrom ? CHUNKING_REPLIES.needMail : envelope.rcptTo.length === 0 ? CHUNKING_REPLIES.needRcpt : null;
    const taken = refusal ? null : (current() ?? { envelope, parts: [], bytes: 0 });
    // What is kept stays within the limit; octets past it are read and counted, never stored.
    const room = taken ? Math.max(options.maxBytes - taken.bytes, 0) : 0;
    const chunkDone = (octets: Buffer, answered: Callback) => {
      if (!taken) {
        reply(refusal ?? CHUNKING_REPLIES.needRcpt);
        return answered();
      }
      chunks = taken;
      taken.bytes += chunk.size;
      if (taken.bytes > options.maxBytes) {
        reply(CHUNKING_REPLIES.tooBig(options.maxBytes));
        endTransaction();
        return answered();
      }
      taken.parts.push(octets);
      if (!chunk.last) {
        target.send(250, `2.0.0 ${chunk.size} octets received, ${taken.bytes} in all`);
        return answered();
      }
      options.deliver(Buffer.concat(taken.parts), target.session, (error, message) => {
        // As smtp-server answers the end of DATA.
        if (error) target.send((error as { responseCode?: number }).responseCode ?? 450, error.message);
        else target.send(250, message ?? 'Ok: message accepted', 'DATA_OK');
        target._transactionCounter++;
        target._unrecognizedCommands = 0;
        endTransaction();
        answered();
      });
    };
    readOctets(target, chunk.size, room, chunkDone, callback);
  };
}

/**
 * Take the next `size` octets off the connection's input, keep the first `keep` of them and hand
 * those to `use`; command parsing resumes with what came after them once `use` says it has
 * answered. `callback` is the command's own: called at once, so the parser passes on what arrived
 * with the BDAT line.
 */
function readOctets(target: ConnectionInternals, size: number, keep: number, use: (octets: Buffer, answered: Callback) => void, callback: Callback): void {
  const parser = target._parser;
  if (size === 0 || !parser) {
    use(Buffer.alloc(0), callback);
    return;
  }
  const parts: Buffer[] = [];
  let remaining = size;
  let room = keep;
  parser._dataMode = true;
  parser._feedDataStream = (input, done) => {
    const taken = input.subarray(0, remaining);
    if (room > 0) parts.push(taken.subarray(0, room));
    room -= Math.min(room, taken.length);
    remaining -= taken.length;
    if (remaining > 0) return done();
    // Back to commands: the parser's own method again, for DATA.
    delete (parser as Partial<InputParser>)._feedDataStream;
    parser._dataMode = false;
    const rest = input.subarray(taken.length);
    use(Buffer.concat(parts), () => parser._write(rest, 'buffer', done));
  };
  callback();
}
