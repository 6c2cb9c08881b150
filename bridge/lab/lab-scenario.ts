/**
 * A lesson's scenario in one lab's world: records and hosts changed, messages seeded in mailboxes
 * and in the relay queue. Applying one first undoes the last, so restarting a lesson, closing it
 * or opening another leaves the world as the lab made it; mail the learner sent meanwhile stays.
 */
import { seedSource, type Scenario } from '../../core/lessons/scenario-schema';
import { editedRecords } from '../../core/lessons/zone-edits';
import type { ZoneSnapshot } from '../world/learner-domain';
import type { World } from '../world/world';

export class LabScenario {
  readonly #world: World;
  #seeded: { messages: string[]; queue: string[] } = { messages: [], queue: [] };
  /** The scenario applied, as JSON (null: the lab's own world). */
  #applied: string | null = null;
  /** The learner's zone as it was before a scenario that works on it, to put back. */
  #zoneBefore: ZoneSnapshot | null = null;

  constructor(world: World) {
    this.#world = world;
  }

  /** Whether `scenario` is the one applied now. */
  holds(scenario: Scenario | null): boolean {
    return this.#applied === (scenario ? JSON.stringify(scenario) : null);
  }

  /**
   * The lab's world with `scenario` applied (null: the lab's own world), what was seeded before
   * taken out; returns the mailbox copies taken out, for the pages to forget.
   */
  apply(scenario: Scenario | null): string[] {
    const world = this.#world;
    this.#applied = scenario ? JSON.stringify(scenario) : null;
    const removed = world.unseed(this.#seeded);
    this.#seeded = { messages: [], queue: [] };
    world.redefine(scenario?.world ?? null);
    if (!scenario) {
      this.#applyZone(undefined);
      return removed;
    }
    for (const seed of scenario.mailboxes) {
      const stored = world.seedMailbox({ mailbox: seed.mailbox, envelopeFrom: seed.from, raw: Buffer.from(seedSource(seed.raw)) });
      this.#seeded.messages.push(stored.id);
    }
    for (const seed of scenario.queue) {
      const raw = Buffer.from(seedSource(seed.raw));
      this.#seeded.queue.push(world.holdInQueue({ envelopeFrom: seed.from, envelopeTo: seed.to, raw, attempts: seed.attempts, retryIn: seed.retryIn, last: seed.last }));
    }
    // Last: a zone the checks refuse (they need the lab's domain, so a lesson file cannot be
    // checked for it alone) stops here with the reason, the rest of the scenario in place.
    this.#applyZone(scenario.zone);
    return removed;
  }

  /** The zone put back as the learner had it; then, for a lesson on it, the working set with the lesson's edits. */
  #applyZone(edits: Scenario['zone']): void {
    const learner = this.#world.learner;
    if (this.#zoneBefore) learner.restore(this.#zoneBefore);
    this.#zoneBefore = null;
    if (!edits) return;
    this.#zoneBefore = learner.snapshot();
    learner.reset({ report: false });
    let records = learner.zone().records;
    for (const edit of edits) records = editedRecords(records, edit, learner.domain);
    if (edits.length === 0) return;
    const checked = learner.replace({ records }, { report: false });
    if (!checked.ok) throw new Error(`The lesson's zone was refused: ${checked.errors.map((e) => e.reason).join('; ')}`);
  }
}
