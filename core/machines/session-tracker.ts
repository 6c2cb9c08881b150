/**
 * Feeds wire events to the session machine and says, line by line, what each one meant:
 * how a client line was read, which command a reply answered, and which transition it caused.
 * Pure: the same events always give the same lines, so a recorded conversation can be replayed.
 */
import { createActor, type Actor } from 'xstate';
import { ReplyAssembler, type Reply } from '../smtp/reply';
import type { WireEvent } from '../wire';
import { sessionMachine } from './session-machine';
import {
  ANY_VERB, END_OF_DATA, answerLabel, commandKey, lineModeOf,
  type LineMode, type SessionContext, type SessionEvent, type SessionStateName,
} from './session-model';

export type { LineMode, SessionContext, SessionStateName } from './session-model';

export interface TrackedLine {
  event: WireEvent;
  /** For client lines: how the line was read given the state when it was sent. */
  mode?: LineMode;
  /** On the LAST line of a complete server reply: the reply, and the client command line it answers ('<greeting>' for the greeting, null if none). */
  reply?: { reply: Reply; answers: string | null };
  /** The machine state after this line. */
  state: SessionStateName;
  /** When this line moved the machine to another state. */
  transition?: { from: SessionStateName; to: SessionStateName; label: string };
}

export interface SessionTrackerOptions {
  /**
   * Keep every TrackedLine (the app shows them). The bridge only needs the state, and a 10 MB
   * message is ~200,000 lines, so it turns this off.
   */
  keepLines?: boolean;
}

export class SessionTracker {
  #actor: Actor<typeof sessionMachine> = createActor(sessionMachine).start();
  #assembler = new ReplyAssembler();
  #lines: TrackedLine[] = [];
  readonly #keepLines: boolean;

  constructor(options: SessionTrackerOptions = {}) {
    this.#keepLines = options.keepLines ?? true;
  }

  static replay(events: WireEvent[]): SessionTracker {
    const tracker = new SessionTracker();
    for (const event of events) tracker.push(event);
    return tracker;
  }

  get state(): SessionStateName {
    return this.#actor.getSnapshot().value as SessionStateName;
  }

  get context(): SessionContext {
    return this.#actor.getSnapshot().context;
  }

  get lines(): readonly TrackedLine[] {
    return this.#lines;
  }

  push(event: WireEvent): TrackedLine {
    const snapshot = this.#actor.getSnapshot();
    const from = snapshot.value as SessionStateName;
    let label: (() => string) | null = null;
    let reply: TrackedLine['reply'];

    if (event.dir === 'client') {
      const { context } = snapshot;
      const mode = lineModeOf(from, context);
      // Message content cannot move the machine (only the lone "." and what follows it can), and
      // it is most of the lines: skip the machine for it.
      if (from === 'data' && event.text !== '.' && !context.pending.some((p) => p.verb === END_OF_DATA)) {
        return this.#record({ event, mode, state: from });
      }
      this.#send({ type: 'client.line', text: event.text, ...(event.cut ? { cut: event.cut } : {}) });
      return this.#settle(event, from, mode, undefined, null);
    }
    if (event.dir === 'server') {
      const assembled = this.#assembler.push(event.text);
      // Code 0 means the line was no reply at all: show it, but it answers nothing.
      if (assembled && assembled.code === 0) reply = { reply: assembled, answers: null };
      else if (assembled) {
        this.#send({ type: 'server.reply', reply: assembled });
        const answered = this.context.answered;
        reply = { reply: assembled, answers: answered?.line ?? null };
        // Only a line that moves the machine needs its label.
        label = () => answerLabel(answered ? commandKey(answered) : ANY_VERB, String(assembled.code));
      }
    } else if (event.info === 'tls') {
      this.#send({ type: 'tls.established' });
      label = () => 'TLS established';
    } else if (event.info === 'closed') {
      this.#send({ type: 'closed' });
      label = () => 'connection closed';
    }
    // 'connected' and 'error' change nothing: the reply or the close that follows does.
    return this.#settle(event, from, undefined, reply, label);
  }

  /**
   * Feed one event, as push does, and say only how a client line was read. The bridge keeps no
   * TrackedLines and needs no labels: only the state and the mode, for every line under load.
   */
  advance(event: WireEvent): LineMode | undefined {
    if (event.dir === 'client') {
      const { value, context } = this.#actor.getSnapshot();
      const mode = lineModeOf(value as SessionStateName, context);
      if (value === 'data' && event.text !== '.' && !context.pending.some((p) => p.verb === END_OF_DATA)) return mode;
      this.#send({ type: 'client.line', text: event.text, ...(event.cut ? { cut: event.cut } : {}) });
      return mode;
    }
    if (event.dir === 'server') {
      const assembled = this.#assembler.push(event.text);
      if (assembled && assembled.code !== 0) this.#send({ type: 'server.reply', reply: assembled });
    } else if (event.info === 'tls') {
      this.#send({ type: 'tls.established' });
    } else if (event.info === 'closed') {
      this.#send({ type: 'closed' });
    }
    return undefined;
  }

  /** The line with the state it left the machine in, and the transition if it moved it. */
  #settle(event: WireEvent, from: SessionStateName, mode: LineMode | undefined, reply: TrackedLine['reply'], label: (() => string) | null): TrackedLine {
    const to = this.state;
    const line = { event } as TrackedLine;
    if (mode !== undefined) line.mode = mode;
    if (reply !== undefined) line.reply = reply;
    line.state = to;
    if (to !== from) line.transition = { from, to, label: label?.() ?? to };
    return this.#record(line);
  }

  #record(line: TrackedLine): TrackedLine {
    if (this.#keepLines) this.#lines.push(line);
    return line;
  }

  #send(event: SessionEvent): void {
    // A finished session takes no more events; XState would only warn.
    if (this.#actor.getSnapshot().status === 'active') this.#actor.send(event);
  }
}
