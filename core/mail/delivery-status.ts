/**
 * The machine-readable part of a bounce (message/delivery-status, RFC 3464 §2) as fields with
 * their meaning: one block about the message, one per recipient. The Status code is explained
 * with the same catalog as the replies in the transcript.
 */
import { explainEnhanced, type EnhancedExplanation } from '../smtp/enhanced-codes';
import { readFields } from './header-fields';

export interface DsnField {
  name: string;
  value: string;
  /** What the field means in this report. */
  meaning: string;
  /** For Status: the enhanced code explained. */
  status: EnhancedExplanation | null;
}

const FIELD_MEANINGS: Record<string, string> = {
  'reporting-mta': 'The mail server that wrote this report.',
  'arrival-date': 'When the reporting server received the original message.',
  'original-envelope-id': 'The ENVID the sender gave in MAIL FROM, to match the report to what was sent.',
  'x-lab-queue-id': 'The queue id of the original message at the reporting server (a lab extension field).',
  'received-from-mta': 'The server the reporting server got the message from.',
  'original-recipient': 'The recipient as the sender first wrote it (ORCPT).',
  'final-recipient': 'The address the server was finally trying to deliver to.',
  'remote-mta': 'The receiving server whose answer decided it.',
  'diagnostic-code': 'The exact reply that server gave (type "smtp"), or the reporting server\'s own words.',
  'last-attempt-date': 'When the last delivery attempt was made.',
  'will-retry-until': 'Until when the server keeps trying (only for delayed).',
};

const ACTIONS: Record<string, string> = {
  failed: 'failed: the message could not be delivered to this recipient and the server has given up.',
  delayed: 'delayed: not delivered yet; the server keeps trying.',
  delivered: 'delivered: it reached the recipient (a success report, if one was asked for).',
  relayed: 'relayed: passed on to a system that sends no reports.',
  expanded: 'expanded: delivered to a list that forwards it on.',
};

function meaningOf(name: string, value: string): string {
  const key = name.toLowerCase();
  if (key === 'action') return ACTIONS[value.toLowerCase()] ?? 'What happened to this recipient.';
  if (key === 'status') return 'The enhanced status code (RFC 3463): class.subject.detail.';
  return FIELD_MEANINGS[key] ?? 'A field this lab does not explain.';
}

/** Groups of fields: the first about the message, then one per recipient. */
export function readDeliveryStatus(text: string): DsnField[][] {
  const groups = text.replace(/\r\n/g, '\n').trim().split(/\n\s*\n/);
  return groups.map((group) =>
    readFields(group).map((field) => ({
      ...field,
      meaning: meaningOf(field.name, field.value),
      status: field.name.toLowerCase() === 'status' ? explainEnhanced(field.value.split(/\s/)[0] ?? '') : null,
    })),
  );
}
