/**
 * The compose form checked with composeSchema, the very schema the bridge checks at its boundary.
 * It loads (with zod) when the learner first sends, not with the page.
 */
import type { z } from 'zod';
import { composeSchema, type ComposeForm as ComposeMessage } from '../../core/protocol/delivery';
import type { ComposeField } from './compose-form.svelte';

export interface ComposeInput {
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text: string;
  html?: string;
  attachments: { filename: string; contentType: string; contentBase64: string }[];
}

/** What to send, or each problem next to the field that has it. */
export function checkCompose(input: ComposeInput): { compose: ComposeMessage | null; errors: Partial<Record<ComposeField, string>> } {
  const result = composeSchema.safeParse(input);
  const errors: Partial<Record<ComposeField, string>> = {};
  if (result.success) return { compose: result.data, errors };
  for (const issue of result.error.issues) {
    const field = fieldOf(issue);
    errors[field] ??= describeIssue(issue, input);
  }
  return { compose: null, errors };
}

const FIELDS: readonly ComposeField[] = ['from', 'to', 'cc', 'bcc', 'subject', 'text', 'html', 'attachments'];

function fieldOf(issue: z.core.$ZodIssue): ComposeField {
  const head = issue.path[0];
  return FIELDS.find((f) => f === head) ?? 'form';
}

/** "“bob@” is not an address like name@example.test" rather than a bare "Invalid string". */
function describeIssue(issue: z.core.$ZodIssue, input: ComposeInput): string {
  const [head, index] = issue.path;
  if ((head === 'to' || head === 'cc' || head === 'bcc') && typeof index === 'number') {
    return `“${input[head][index] ?? ''}” ${issue.message}`;
  }
  if (head === 'from') return `“${input.from}” ${issue.message}`;
  if (issue.code === 'too_big' && (head === 'to' || head === 'cc' || head === 'bcc')) return `too many addresses: ${issue.message}`;
  return issue.message;
}
