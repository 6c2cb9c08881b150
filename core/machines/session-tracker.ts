/**
 * Feeds wire events to the session machine and says, line by line, what each one meant:
 * how a client line was read, which command a reply answered, and which transition it caused.
 * Pure: the same events always give the same lines, so a recorded conversation can be replayed.
 */
import { createActor, type Actor } from 'xstate';
import { ReplyAssembler, type Reply } from '../smtp/reply';
import type { WireEvent } from '../wire';
import { sessionMachine } from './session-machine';
import { SessionStepper } from './session-stepper';
import {
  ANY_VERB, answerLabel, commandKey, lineModeOf,
  type LineMode, type SessionContext, type SessionEvent, type SessionStateName,
} from './session-model';

export type { LineMode, SessionContext, SessionStateName } from './session-model';

export interface TrackedLine {
  event: WireEvent;
  /** For client lines: how the line was read given the state when it was sent. */
  mode?: LineMode;
  /**
   * On the LAST line of a complete server reply: the reply, the client command line it answers
   * ('<greeting>' for the greeting, null if none), and how many octets of that line the tap left out.
   */
  reply?: { reply: Reply; answers: string | null; answersCut?: number };
  /** The machine state after this line. */
  state: SessionStateName;
  /** When this line moved the machine to another state. */
  transition?: { from: SessionStateName; to: SessionStateName; label: string };
}

/** What the machine reads of a wire event. */
export type FedEvent = Pick<WireEvent, 'dir' | 'text' | 'info' | 'cut' | 'bareLf'>;

export interface SessionTrackerOptions {
  /**
   * Keep every TrackedLine (the app shows them). The bridge only needs the state, and a 10 MB
   * message is ~200,000 lines, so it turns this off.
   */
  keepLines?: boolean;
  /**
   * 'actor' (the default) runs the machine as an XState actor; 'stepper' steps the same config
   * with the same guards and actions without one (session-stepper.ts), for the bridge, which
   * follows every line of every conversation.
   */
  engine?: 'actor' | 'stepper';
}

/** What the tracker needs of a running session machine. */
interface SessionRun {
  readonly state: SessionStateName;
  readonly context: SessionContext;
  /** False once the session reached its final state. */
  readonly active: boolean;
  send(event: SessionEvent): void;
}

function actorRun(): SessionRun {
  const actor: Actor<typeof sessionMachine> = createActor(sessionMachine).start();
  return {
    get state() {
      return actor.getSnapshot().value as SessionStateName;
    },
    get context() {
      return actor.getSnapshot().context;
    },
    get active() {
      return actor.getSnapshot().status === 'active';
    },
    send: (event) => actor.send(event),
  };
}

export class SessionTracker {
  readonly #run: SessionRun;
  #assembler = new ReplyAssembler();
  #lines: TrackedLine[] = [];
  readonly #keepLines: boolean;
  /** The last client line ended in a bare LF; the content that follows a 354 has not begun. */
  #afterBareLf = false;
  #contentStarts = false;

  constructor(options: SessionTrackerOptions = {}) {
    this.#keepLines = options.keepLines ?? true;
    this.#run = options.engine === 'stepper' ? new SessionStepper() : actorRun();
  }

  static replay(events: WireEvent[]): SessionTracker {
    const tracker = new SessionTracker();
    for (const event of events) tracker.push(event);
    return tracker;
  }

  get state(): SessionStateName {
    return this.#run.state;
  }

  get context(): SessionContext {
    return this.#run.context;
  }

  /** How the next client line will be read, as far as the replies so far tell. */
  get mode(): LineMode {
    return lineModeOf(this.#run.state, this.#run.context);
  }

  get lines(): readonly TrackedLine[] {
    return this.#lines;
  }

  push(event: WireEvent): TrackedLine {
    const from = this.#run.state;
    const fed = this.#feed(event);
    if (event.dir === 'client') {
      // Message content did not move the machine: no state to settle.
      if (!fed.moved) return this.#record({ event, mode: fed.mode, state: from });
      return this.#settle(event, from, fed.mode, undefined, null);
    }
    let label: (() => string) | null = null;
    let reply: TrackedLine['reply'];
    const assembled = fed.reply;
    // Code 0 means the line was no reply at all: show it, but it answers nothing.
    if (assembled && assembled.code === 0) reply = { reply: assembled, answers: null };
    else if (assembled) {
      const answered = this.context.answered;
      reply = { reply: assembled, answers: answered?.line ?? null };
      if (answered?.cut) reply.answersCut = answered.cut;
      // Only a line that moves the machine needs its label.
      label = () => answerLabel(answered ? commandKey(answered) : ANY_VERB, String(assembled.code));
    } else if (event.info === 'tls') {
      label = () => 'TLS established';
    } else if (event.info === 'closed') {
      label = () => 'connection closed';
    }
    return this.#settle(event, from, undefined, reply, label);
  }

  /**
   * Feed one event, as push does, and say only how a client line was read. The bridge keeps no
   * TrackedLines and needs no labels: only the state and the mode, for every line under load.
   */
  advance(event: FedEvent): LineMode | undefined {
    return this.#feed(event).mode;
  }

  /**
   * The machine's side of one event, for push and advance alike: how a client line was read and
   * whether it went to the machine, or the reply a server line completed.
   */
  #feed(event: FedEvent): { mode?: LineMode; moved?: boolean; reply?: Reply | null } {
    if (event.dir === 'client') {
      const state = this.#run.state;
      const context = this.#run.context;
      const mode = lineModeOf(state, context);
      // smtp-server ends DATA only at CRLF "." CRLF, or at "." CRLF right after the 354.
      const unframed = event.bareLf === true || (this.#afterBareLf && !this.#contentStarts);
      this.#afterBareLf = event.bareLf === true;
      if (mode === 'data') this.#contentStarts = false;
      // Message content cannot move the machine (only the lone "." and what follows it can), and
      // it is most of the lines: skip the machine for it.
      if (mode === 'data' && (event.text !== '.' || unframed)) return { mode, moved: false };
      this.#send({ type: 'client.line', text: event.text, ...(event.cut ? { cut: event.cut } : {}), ...(unframed ? { unframed } : {}) });
      return { mode, moved: true };
    }
    if (event.dir === 'server') {
      const reply = this.#assembler.push(event.text);
      if (reply && reply.code !== 0) {
        const before = this.#run.state;
        this.#send({ type: 'server.reply', reply });
        if (before !== 'data' && this.#run.state === 'data') this.#contentStarts = true;
      }
      return { reply };
    }
    if (event.info === 'tls') this.#send({ type: 'tls.established' });
    else if (event.info === 'closed') this.#send({ type: 'closed' });
    // 'connected' and 'error' change nothing: the reply or the close that follows does.
    return {};
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
    if (this.#run.active) this.#run.send(event);
  }
}
