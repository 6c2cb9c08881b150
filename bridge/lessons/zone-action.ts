/**
 * A lesson's `zone` action, done as the zone editor does it: the whole set sent and checked (a
 * refusal changes nothing and is recorded for the goals, as the learner would read it), a key
 * asked of the lab, or the working set restored.
 */
import { editedRecords, type ZoneEdit } from '../../core/lessons/zone-edits';
import type { LearnerDomain } from '../world/learner-domain';

export async function editZone(learner: LearnerDomain, edit: ZoneEdit): Promise<void> {
  if ('reset' in edit) {
    learner.reset();
    return;
  }
  if ('key' in edit) {
    await learner.generateKey(edit.key);
    if (edit.publish) publishSigningKey(learner);
    return;
  }
  if ('publishKey' in edit) {
    publishSigningKey(learner);
    return;
  }
  if ('policy' in edit) {
    learner.replace({ records: learner.zone().records, mtaSts: edit.policy });
    return;
  }
  learner.replace({ records: editedRecords(learner.zone().records, edit, learner.domain) });
}

/** The record of the key the relay signs with, saved in place of any other at its name. */
function publishSigningKey(learner: LearnerDomain): void {
  const { name, text } = learner.signingKey().record;
  learner.replace({ records: [...learner.zone().records.filter((r) => !(r.type === 'TXT' && r.name === name)), { type: 'TXT', name, value: text }] });
}
