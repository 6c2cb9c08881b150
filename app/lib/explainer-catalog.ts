/** What the Explanation panel reads a line with; loaded by explainers.ts when first needed. */
export { explainCommand } from '../../core/smtp/explain-command';
export { explainReply } from '../../core/smtp/reply-catalog';
