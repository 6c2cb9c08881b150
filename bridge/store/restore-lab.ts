/** A lab starting on a database that holds something: every store takes back its part, the queue resumes. */
import type { Conversations } from '../lab/conversations';
import type { LabBudget } from '../lab/lab-budget';
import type { LabWorld } from '../lab/lab-world';
import type { MessageStore } from '../lab/message-store';
import type { KeptLab } from './lab-database';

export function restoreLab(kept: KeptLab, into: { conversations: Conversations; store: MessageStore; labWorld: LabWorld; budget: LabBudget }): void {
  const { conversations, store, labWorld, budget } = into;
  for (const conversation of kept.conversations) conversations.restore(conversation);
  for (const message of kept.messages) store.restore(message);
  labWorld.world.restore(kept.world);
  // A smaller --max-lab-mb than the last run had: the oldest go, as they would have then.
  budget.enforce();
}

/**
 * Messages accepted (250) but not yet in the queue when the lab stopped: the queue takes them
 * now, once the lab can tell which belong to a stepped delivery (none can, after a restart).
 */
export function handOnUnqueued(kept: KeptLab, labWorld: LabWorld): void {
  for (const accepted of kept.unqueued) labWorld.accept(accepted);
}
