/**
 * An `openssl s_client` session that repeats a recorded conversation: the command, then the lines
 * to type. s_client says EHLO and STARTTLS itself (`-starttls smtp`, with `-name` for the EHLO
 * name); everything after the TLS handshake is typed as it went on the wire, dots and all.
 */
import type { SessionPlan, Step } from './plan';
import { shellQuote, type CopyAsOutput, type CopyAsTarget } from './target';

/** The lines a client put on the wire for one step: the command, its AUTH responses, its message. */
export function wireLinesOf(step: Step): string[] {
  if (step.kind === 'auth') return [step.line, ...(step.initial ? step.responses.slice(1) : step.responses)];
  if (step.kind === 'data') return [step.line, ...step.wire];
  return [step.line];
}

export function toOpenssl(plan: SessionPlan, target: CopyAsTarget, conversation: string): CopyAsOutput {
  const notes: string[] = [];
  const address = `${target.host}:${target.port}`;
  let typedSteps: Step[];
  let command: string;
  if (target.implicitTls) {
    command = `openssl s_client -connect ${shellQuote(address)} -crlf -quiet`;
    typedSteps = plan.steps;
  } else {
    const tlsAt = plan.steps.findIndex((s) => s.kind === 'starttls');
    const first = plan.steps[0];
    const name = first?.kind === 'hello' ? first.domain : null;
    command = `openssl s_client -starttls smtp${name ? ` -name ${shellQuote(name)}` : ''} -connect ${shellQuote(address)} -crlf -quiet`;
    if (tlsAt === -1) {
      notes.push('The original never started TLS; s_client always does (EHLO, STARTTLS) before you type.');
      typedSteps = plan.steps;
    } else {
      const before = plan.steps.slice(0, tlsAt);
      if (before.length !== 1 || first?.kind !== 'hello' || first.verb !== 'EHLO') {
        notes.push(`Before STARTTLS s_client says only EHLO ${name ?? '<its own name>'}; the original said: ${before.map((s) => s.line).join(', ') || 'nothing'}.`);
      }
      typedSteps = plan.steps.slice(tlsAt + 1);
    }
  }
  const typed = typedSteps.flatMap(wireLinesOf);
  const auth = typedSteps.find((s) => s.kind === 'auth');
  const credentials = auth?.kind === 'auth' && auth.credentials ? `# The AUTH lines carry the lab account ${auth.credentials.user} / ${auth.credentials.pass} in base64.` : null;
  const text = [
    `# Repeats SMTP Lab conversation ${conversation} against the lab's SMTP server.`,
    '# -crlf ends each line with CRLF as SMTP wants; -quiet also stops s_client from reading a line',
    '# that begins with R (RCPT) or Q as its own command. The lab signs its certificate with its own CA.',
    command,
    '',
    '# Then type these lines, each after the reply to the one before (message lines go together):',
    ...(credentials ? [credentials] : []),
    ...typed,
    '',
  ].join('\n');
  return { tool: 'openssl', label: 'openssl s_client', text, notes, command, typed };
}
