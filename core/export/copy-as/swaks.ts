/**
 * A swaks command that repeats a recorded conversation. swaks sends one message per run: EHLO,
 * STARTTLS and EHLO again (--tls), AUTH, MAIL, one RCPT per --to address, DATA, QUIT. The message
 * goes in unstuffed: swaks doubles leading dots itself and puts the final "." back.
 */
import { transactionsOf, type SessionPlan } from './plan';
import { shellQuote, type CopyAsOutput, type CopyAsTarget } from './target';

/** What swaks rewrites in the DATA it is given (unless --no-data-fixup, which would also drop the final "."). */
const SWAKS_TOKENS = /%(?:NEWLINE|FROM_ADDRESS|TO_ADDRESS|MESSAGEID|SWAKS_VERSION|DATE|NEW_HEADERS|BODY)%|\\n/;

export function toSwaks(plan: SessionPlan, target: CopyAsTarget, conversation: string): CopyAsOutput {
  const notes: string[] = [];
  const args = ['swaks', '--server', shellQuote(target.host), '--port', String(target.port)];
  const hello = plan.steps.find((s) => s.kind === 'hello');
  if (hello?.kind === 'hello') {
    args.push('--ehlo', shellQuote(hello.domain));
    if (hello.verb === 'HELO') args.push('--protocol', 'SMTP');
  }
  if (target.implicitTls) args.push('--tls-on-connect');
  else if (plan.steps.some((s) => s.kind === 'starttls')) args.push('--tls');
  const auth = plan.steps.find((s) => s.kind === 'auth');
  if (auth?.kind === 'auth') {
    if (auth.credentials && (auth.mechanism === 'PLAIN' || auth.mechanism === 'LOGIN')) {
      args.push('--auth', auth.mechanism, '--auth-user', shellQuote(auth.credentials.user), '--auth-password', shellQuote(auth.credentials.pass));
      if (auth.credentials.authzid !== '') notes.push('An AUTH PLAIN authorization identity: this command sends none.');
    } else notes.push(`AUTH ${auth.mechanism}: the recorded lines do not hold a lab account's credentials.`);
  }
  const transactions = transactionsOf(plan);
  const sent = transactions.find((t) => t.data?.content != null) ?? transactions[0];
  let heredoc: string[] = [];
  if (sent) {
    args.push('--from', shellQuote(sent.mail.path), '--to', shellQuote(sent.rcpts.map((r) => r.path).join(',') || ''));
    if (sent.mail.params.length || sent.rcpts.some((r) => r.params.length)) notes.push('MAIL and RCPT parameters: swaks has no option for them; the command leaves them out.');
    const content = sent.data?.content ?? null;
    if (content === null) notes.push('The transaction never sent message content; swaks always sends one (its own test message here).');
    else {
      if (content[0]?.startsWith('From ')) args.push('--no-strip-from');
      if (content.some((line) => SWAKS_TOKENS.test(line))) notes.push('The message holds text swaks replaces (a %TOKEN% or a literal \\n); swaks will change it.');
      if (content[0]?.startsWith('.')) notes.push('The message begins with a dot; swaks doubles leading dots only after the first line, so the server will drop it.');
      let delimiter = 'SMTP_LAB_MESSAGE';
      while (content.includes(delimiter)) delimiter += '_';
      args.push('--data', '-', `<<'${delimiter}'`);
      // The "." ends the message here as on the wire: swaks takes a final dot away before adding its own,
      // so the heredoc's last newline does not become an extra empty line.
      heredoc = [...content, '.', delimiter];
    }
  } else notes.push('The conversation has no mail transaction; swaks always sends one.');
  if (transactions.length > 1) notes.push(`${transactions.length} transactions: swaks sends one message per connection, so this repeats ${sent === transactions[0] ? 'the first' : 'the one with a message'}; run it again for each other.`);
  if (plan.steps.some((s) => s.kind === 'rset')) notes.push('RSET: swaks has no option for it.');
  const others = plan.steps.filter((s) => s.kind === 'noop' || s.kind === 'other');
  if (others.length) notes.push(`${others.map((s) => s.line).join(', ')}: swaks has no option for ${others.length === 1 ? 'it' : 'them'}.`);
  if (!plan.steps.some((s) => s.kind === 'quit')) notes.push('The original ended without QUIT; swaks always says QUIT.');
  const command = args.join(' ');
  const text = [`# Repeats SMTP Lab conversation ${conversation} against the lab's SMTP server.`, command, ...heredoc, ''].join('\n');
  return { tool: 'swaks', label: 'swaks', text, notes, command };
}
