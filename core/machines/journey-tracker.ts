/**
 * Feeds wire events to the journey machine. The session tracker does the reading (which reply
 * answers which command, how a client line is meant), so the two machines can never disagree
 * about what was said; this class only turns that reading into journey events.
 */
import { createActor, type Actor } from 'xstate';
import type { WireEvent } from '../wire';
import { journeyMachine } from './journey-machine';
import { stepTimes, type JourneyContext, type JourneyEvent, type JourneyStateName, type StepTime } from './journey-model';
import { commandKey } from './session-model';
import { SessionTracker } from './session-tracker';

export class JourneyTracker {
  #actor: Actor<typeof journeyMachine> = createActor(journeyMachine).start();
  // Only the reading is needed here, for every line: the stepper (same config, no actor) is ~10× faster.
  #session = new SessionTracker({ keepLines: false, engine: 'stepper' });
  /** The hop this journey follows: the first event's. Relay hops will get their own handling. */
  #hop: number | null = null;

  static replay(events: readonly WireEvent[]): JourneyTracker {
    const tracker = new JourneyTracker();
    for (const event of events) tracker.push(event);
    return tracker;
  }

  get state(): JourneyStateName {
    return this.#actor.getSnapshot().value as JourneyStateName;
  }

  get context(): JourneyContext {
    return this.#actor.getSnapshot().context;
  }

  /** The steps reached so far with how long each took. */
  get steps(): StepTime[] {
    return stepTimes(this.context);
  }

  push(event: WireEvent): void {
    if (event.info === 'record') return; // TLS record sizes say nothing about the journey
    this.#hop ??= event.hop;
    if (event.hop !== this.#hop) return;
    const { at } = event;
    // A recording may begin without its 'connected' line; the first event still opens it.
    if (this.state === 'composed' && event.info !== 'connected' && event.info !== 'closed') {
      this.#send({ type: 'connected', at, tls: event.tls });
    }

    const before = this.#session.context;
    const line = this.#session.push(event);
    if (event.dir === 'client') {
      // Message content cannot move the journey; only the reply to its end can.
      if (line.mode && line.mode !== 'data' && line.mode !== 'bdat') {
        this.#send({ type: 'client.line', at, text: event.text, mode: line.mode, redacted: event.redacted ?? false });
      }
    } else if (event.dir === 'server') {
      const answered = line.reply;
      if (answered && answered.reply.code !== 0) {
        const { code, enhanced, lines } = answered.reply;
        // An ended session takes no more replies; then the reply answers nothing.
        const command = this.#session.context !== before ? this.#session.context.answered : null;
        this.#send({
          type: 'server.reply',
          at,
          code,
          verb: command ? commandKey(command) : null,
          answers: command?.line ?? null,
          reply: { code, enhanced, text: lines.join('\n') },
        });
      }
    } else if (event.info === 'connected') {
      this.#send({ type: 'connected', at, tls: event.tls });
    } else if (event.info === 'tls') {
      this.#send({ type: 'tls.established', at });
    } else if (event.info === 'closed') {
      this.#send({ type: 'closed', at });
    }
  }

  #send(event: JourneyEvent): void {
    // Once accepted, refused or aborted, the first hop's journey is over; XState would only warn.
    if (this.#actor.getSnapshot().status === 'active') this.#actor.send(event);
  }
}
