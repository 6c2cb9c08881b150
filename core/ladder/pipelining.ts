/**
 * Which client commands were pipelined (RFC 2920): consecutive commands the client sent before the
 * reply to the first of them arrived. The session tracker says which lines are commands and which
 * reply answers which, so content lines, chunk data and the greeting never count.
 */
import { SessionTracker, type TrackedLine } from '../machines/session-tracker';
import { GREETING } from '../machines/session-model';
import type { WireEvent } from '../wire';

/**
 * Reads a conversation one event at a time. A batch is decided once the reply to its first command
 * has come and a command sent after that reply follows; only the batch still open is looked at
 * again, so each new line costs the same however long the conversation is.
 */
export class PipelineTracker {
  #commands: Array<{ index: number; sentAt: number | undefined }> = [];
  #waiting: number[] = [];
  #replyOf = new Map<number, { index: number; at: number }>();
  /** Position in #commands where the batch still open starts, and the id it would get. */
  #open = 0;
  #nextBatch = 0;
  #batchOf = new Map<number, number>();
  #changed = new Set<number>();

  /** One event (never a TLS record) with the session tracker's line for it. */
  push(event: WireEvent, index: number, line: TrackedLine): void {
    if (event.dir === 'client') {
      // The lone "." is sent like a command and answered like one; other content is not.
      const command = line.mode === 'command' || line.mode === 'auth' || (line.mode === 'data' && event.text === '.');
      if (!command) return;
      this.#commands.push({ index, sentAt: event.sentAt });
      this.#waiting.push(index);
    } else if (event.info === 'tls') {
      this.#waiting.length = 0; // what was sent before the handshake is forgotten (RFC 3207 §4.2)
      return;
    } else if (line.reply && line.reply.reply.code !== 0 && line.reply.answers !== null && line.reply.answers !== GREETING) {
      const answered = this.#waiting.shift();
      if (answered === undefined) return;
      this.#replyOf.set(answered, { index, at: event.at });
    } else return;
    this.#regroup();
  }

  /** Event index of each pipelined command → its batch id (0, 1, …). Commands sent alone are absent. */
  get batches(): ReadonlyMap<number, number> {
    return this.#batchOf;
  }

  /** Event indexes whose batch changed since the last call. */
  takeChanged(): number[] {
    const changed = [...this.#changed];
    this.#changed.clear();
    return changed;
  }

  #regroup(): void {
    const commands = this.#commands;
    let batch = this.#nextBatch;
    let settled = true;
    for (let i = this.#open; i < commands.length; ) {
      const first = commands[i];
      const reply = first && this.#replyOf.get(first.index);
      const sentBefore = (command: { index: number; sentAt: number | undefined }): boolean =>
        reply === undefined ? true : command.sentAt === undefined ? command.index < reply.index : command.sentAt < reply.at;
      let j = i + 1;
      while (j < commands.length && sentBefore(commands[j] as (typeof commands)[number])) j++;
      const together = j - i >= 2;
      for (let k = i; k < j; k++) this.#assign((commands[k] as (typeof commands)[number]).index, together ? batch : undefined);
      if (together) batch++;
      // Decided: a command came after the reply without waiting for it to join.
      settled &&= reply !== undefined && j < commands.length;
      if (settled) {
        this.#open = j;
        this.#nextBatch = batch;
      }
      i = j;
    }
  }

  #assign(index: number, batch: number | undefined): void {
    if (this.#batchOf.get(index) === batch) return;
    if (batch === undefined) this.#batchOf.delete(index);
    else this.#batchOf.set(index, batch);
    this.#changed.add(index);
  }
}

/**
 * Event index of each pipelined command → its batch id (0, 1, …). Commands sent alone are absent.
 * `tracked`: the session tracker's lines for these events (every one but TLS records), when the
 * caller has them already; reading a long conversation again costs far more than this.
 */
export function pipelinedBatches(events: readonly WireEvent[], tracked?: readonly TrackedLine[]): Map<number, number> {
  const tracker = tracked ? null : new SessionTracker({ keepLines: false });
  const pipeline = new PipelineTracker();
  let row = 0;
  events.forEach((event, index) => {
    if (event.info === 'record') return;
    const line = tracker ? tracker.push(event) : tracked?.[row++];
    if (line) pipeline.push(event, index, line);
  });
  return new Map(pipeline.batches);
}
