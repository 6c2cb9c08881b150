/**
 * A man in the middle that strips STARTTLS (RFC 3207 §6), as a misconfigured firewall or an
 * attacker on the path does: it passes every line between the relay and the host on, byte for
 * byte, except two. From the host's EHLO reply it removes the STARTTLS line, and a STARTTLS
 * command it answers itself with 502, so the host never sees it. A sender that uses TLS only
 * when offered goes on in clear; both ends believe they spoke to each other directly.
 *
 * What each line means comes from core's session tracker, the one reader of a conversation: a
 * "STARTTLS" inside message text is content and passes untouched, and a reply is rewritten only
 * when the tracker says it answers EHLO.
 */
import type net from 'node:net';
import { SessionTracker } from '../../core/machines/session-tracker';
import { explainExtension } from '../../core/smtp/extensions';
import type { WireEvent } from '../../core/wire';
import { LineSplitter } from '../tap/line-splitter';

/** What the box answers a STARTTLS command with: as if the host had never heard of it. */
export const STRIPPED_STARTTLS_REPLY = '502 5.5.1 Command not implemented';

/** How long one side may linger after the other closed (as the line tap lets a half-closed connection). */
const LINGER_MS = 1_000;


/** Cut a byte stream into whole lines, each with its own bytes (line ending included) and its text. */
class RawLines {
  readonly #splitter = new LineSplitter();
  #carry: Buffer[] = [];

  push(chunk: Buffer): Array<{ bytes: Buffer; text: string; cut: number; bareLf: boolean }> {
    const lines = [];
    let start = 0;
    for (const line of this.#splitter.push(chunk)) {
      const bytes = Buffer.concat([...this.#carry, chunk.subarray(start, line.end)]);
      this.#carry = [];
      lines.push({ bytes, text: line.text, cut: line.cut, bareLf: line.bareLf });
      start = line.end;
    }
    if (start < chunk.length) this.#carry.push(Buffer.from(chunk.subarray(start)));
    return lines;
  }

  /** Bytes of a line not ended yet (a connection that closes mid-line passes them on as they are). */
  rest(): Buffer {
    const rest = Buffer.concat(this.#carry);
    this.#carry = [];
    return rest;
  }
}

/**
 * Join `relay` (the relay's side, through its tap) and `host` (the host's side, through the box's
 * own tap) through the stripping box, until either side closes.
 */
export function stripStartTls(relay: net.Socket, host: net.Socket): void {
  const tracker = new SessionTracker({ keepLines: false, engine: 'stepper' });
  const fromRelay = new RawLines();
  const fromHost = new RawLines();
  /** Lines of a reply of several lines, held until its last line says what it answers. */
  let held: Array<{ bytes: Buffer; text: string }> = [];
  /** Host replies still owed to the relay before the box's own reply to STARTTLS may go out. */
  let owed = 0;
  let ownReplyDue = false;

  const event = (dir: 'client' | 'server', text: string, cut = 0, bareLf = false): WireEvent => ({
    conversation: '',
    hop: 0,
    dir,
    text,
    at: 0,
    tls: false,
    ...(cut ? { cut } : {}),
    ...(bareLf ? { bareLf } : {}),
  });
  const answerStartTls = (): Buffer => {
    ownReplyDue = false;
    tracker.push(event('server', STRIPPED_STARTTLS_REPLY));
    return Buffer.from(`${STRIPPED_STARTTLS_REPLY}\r\n`);
  };

  relay.on('data', (chunk: Buffer) => {
    const onward: Buffer[] = [];
    const back: Buffer[] = [];
    for (const line of fromRelay.push(chunk)) {
      const tracked = tracker.push(event('client', line.text, line.cut, line.bareLf));
      if (tracked.mode !== 'command' || tracker.context.pending.at(-1)?.verb !== 'STARTTLS') {
        onward.push(line.bytes);
        continue;
      }
      // The host never sees STARTTLS. Replies to commands sent before it go first (RFC 2920).
      owed = tracker.context.pending.length - 1;
      ownReplyDue = true;
      if (owed === 0) back.push(answerStartTls());
    }
    if (onward.length) host.write(Buffer.concat(onward));
    if (back.length) relay.write(Buffer.concat(back));
  });

  host.on('data', (chunk: Buffer) => {
    const back: Buffer[] = [];
    for (const line of fromHost.push(chunk)) {
      held.push(line);
      const tracked = tracker.push(event('server', line.text, line.cut));
      if (!tracked.reply) continue;
      const reply = held;
      held = [];
      const toEhlo = tracked.reply.reply.code === 250 && tracker.context.answered?.verb === 'EHLO';
      back.push(...(toEhlo ? withoutStartTls(reply) : reply.map((l) => l.bytes)));
      if (ownReplyDue && tracked.reply.reply.code !== 0 && --owed === 0) back.push(answerStartTls());
    }
    if (back.length) relay.write(Buffer.concat(back));
  });

  const pass = (from: net.Socket, lines: RawLines, to: net.Socket) => {
    from.on('end', () => {
      const rest = lines.rest();
      if (to.destroyed) return;
      if (rest.length) to.end(rest);
      else to.end();
    });
    // A side gone without an end: the other gets what it was sent, then a moment, then goes too.
    from.on('close', () => {
      if (to.destroyed) return;
      to.end();
      setTimeout(() => to.destroy(), LINGER_MS).unref();
    });
    // The other side is destroyed by the close that follows; nothing else is owed to anyone.
    from.on('error', () => {});
  };
  pass(relay, fromRelay, host);
  pass(host, fromHost, relay);
}

/** An EHLO reply without its STARTTLS line; when that was the last line, the one before becomes last. */
function withoutStartTls(reply: Array<{ bytes: Buffer; text: string }>): Buffer[] {
  // An extension line is "250-KEYWORD args" (or "250 KEYWORD args", last): core reads the keyword.
  const kept = reply.filter((line) => explainExtension(line.text.slice(4)).keyword !== 'STARTTLS').map((line) => line.bytes);
  if (kept.length === reply.length || kept.length === 0) return kept.length ? kept : reply.map((line) => line.bytes);
  const last = kept[kept.length - 1] as Buffer;
  if (last[3] === 0x2d) {
    const ended = Buffer.from(last);
    ended[3] = 0x20;
    kept[kept.length - 1] = ended;
  }
  return kept;
}
