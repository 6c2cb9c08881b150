/**
 * "Copy as": the command or script that repeats a recorded conversation against the lab, for
 * swaks, openssl s_client, Python's smtplib and nodemailer. Pure: from the recorded lines only.
 */
import type { WireEvent } from '../../wire';
import { toNodemailer } from './nodemailer';
import { toOpenssl } from './openssl';
import { planOf } from './plan';
import { toPython } from './python';
import { toSwaks } from './swaks';
import type { CopyAsOutput, CopyAsTarget, CopyAsTool } from './target';

export { COPY_AS_TOOLS, type CopyAsOutput, type CopyAsTarget, type CopyAsTool } from './target';
export { planOf, type SessionPlan, type Step } from './plan';

export function copyAs(events: readonly WireEvent[], target: CopyAsTarget, conversation = events[0]?.conversation ?? 'unknown'): Record<CopyAsTool, CopyAsOutput> {
  const plan = planOf(events);
  const outputs = {
    swaks: toSwaks(plan, target, conversation),
    openssl: toOpenssl(plan, target, conversation),
    python: toPython(plan, target, conversation),
    nodemailer: toNodemailer(plan, target, conversation),
  };
  for (const output of Object.values(outputs)) {
    for (const reason of new Set(plan.incomplete)) output.notes.unshift(`The recording holds ${reason}: the reproduction differs there.`);
  }
  return outputs;
}
