/**
 * Which client commands were pipelined (RFC 2920): consecutive commands the client sent before the
 * reply to the first of them arrived. The session tracker says which lines are commands and which
 * reply answers which, so content lines, chunk data and the greeting never count.
 */
import { SessionTracker, type TrackedLine } from '../machines/session-tracker';
import { GREETING } from '../machines/session-model';
import type { WireEvent } from '../wire';

/**
 * Event index of each pipelined command → its batch id (0, 1, …). Commands sent alone are absent.
 * `tracked`: the session tracker's lines for these events (every one but TLS records), when the
 * caller has them already; reading a long conversation again costs far more than this.
 */
export function pipelinedBatches(events: readonly WireEvent[], tracked?: readonly TrackedLine[]): Map<number, number> {
  const tracker = tracked ? null : new SessionTracker({ keepLines: false });
  let row = 0;
  const commands: number[] = [];
  const waiting: number[] = [];
  const replyOf = new Map<number, { index: number; at: number }>();

  events.forEach((event, index) => {
    if (event.info === 'record') return;
    const line = tracker ? tracker.push(event) : tracked?.[row++];
    if (!line) return;
    if (event.dir === 'client') {
      // The lone "." is sent like a command and answered like one; other content is not.
      const command = line.mode === 'command' || line.mode === 'auth' || (line.mode === 'data' && event.text === '.');
      if (command) {
        commands.push(index);
        waiting.push(index);
      }
    } else if (event.info === 'tls') {
      waiting.length = 0; // what was sent before the handshake is forgotten (RFC 3207 §4.2)
    } else if (line.reply && line.reply.reply.code !== 0 && line.reply.answers !== null && line.reply.answers !== GREETING) {
      const answered = waiting.shift();
      if (answered !== undefined) replyOf.set(answered, { index, at: event.at });
    }
  });

  const sentBefore = (command: number, reply: { index: number; at: number } | undefined): boolean => {
    if (reply === undefined) return true;
    const sentAt = events[command]?.sentAt;
    return sentAt === undefined ? command < reply.index : sentAt < reply.at;
  };

  const batches = new Map<number, number>();
  let batch = 0;
  for (let i = 0; i < commands.length; ) {
    const first = commands[i];
    const reply = first === undefined ? undefined : replyOf.get(first);
    let j = i + 1;
    while (j < commands.length && sentBefore(commands[j] ?? -1, reply)) j++;
    if (j - i >= 2) {
      for (const command of commands.slice(i, j)) batches.set(command, batch);
      batch++;
    }
    i = j;
  }
  return batches;
}
