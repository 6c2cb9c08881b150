/**
 * The world a lesson asks for, on the page's side: remembered until the bridge has it, and sent
 * again after a reconnect's welcome (a lab that restarted lost it). A page that never asked for
 * one leaves the lab's world alone.
 */
import type { ClientMessage } from '../../core/protocol/messages';
import type { Scenario } from '../../core/lessons/scenario-schema';

export class LessonScenario {
  /** The scenario this page asked for, and whether the bridge has it; undefined: never asked. */
  #pending: { scenario: Scenario | null; fresh: boolean; sent: boolean } | undefined;
  readonly #send: (message: ClientMessage) => boolean;
  readonly #open: () => boolean;

  /** `open`: whether the link is up now (sending while it is down would only say so). */
  constructor(send: (message: ClientMessage) => boolean, open: () => boolean) {
    this.#send = send;
    this.#open = open;
  }

  apply(scenario: Scenario | null, fresh: boolean): void {
    if (scenario === null && this.#pending === undefined) return;
    this.#pending = { scenario, fresh, sent: false };
    this.flush();
  }

  /** Send what the bridge does not have yet, once the link is up. */
  flush(): void {
    const pending = this.#pending;
    if (!pending || pending.sent || !this.#open()) return;
    pending.sent = this.#send({ type: 'scenario.apply', scenario: pending.scenario, fresh: pending.fresh });
  }
}
