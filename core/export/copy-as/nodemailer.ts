/**
 * A nodemailer snippet that repeats a recorded conversation with nodemailer's SMTP connection
 * (the part of nodemailer that speaks SMTP, `nodemailer/lib/smtp-connection`): it can send several
 * messages on one connection and RSET between them, which `sendMail` cannot. nodemailer decides
 * some steps itself (EHLO, STARTTLS when offered, the EHLO after it); what it cannot repeat is said.
 */
import { paramText, transactionsOf, type SessionPlan, type Step, type Transaction } from './plan';
import { quoted, type CopyAsOutput, type CopyAsTarget } from './target';

/** MAIL and RCPT parameters nodemailer writes itself from the envelope. */
function envelopeOf(transaction: Transaction, notes: string[]): string {
  const parts = [`from: ${quoted(transaction.mail.path)}`, `to: [${transaction.rcpts.map((r) => quoted(r.path)).join(', ')}]`];
  const dsn: string[] = [];
  for (const [key, value] of transaction.mail.params) {
    const name = key.toUpperCase();
    if (name === 'SIZE') parts.push(`size: ${Number(value) || 0}`);
    else if (name === 'BODY' && value.toUpperCase() === '8BITMIME') parts.push('use8BitMime: true');
    else if (name === 'RET') dsn.push(`ret: ${quoted(value)}`);
    else if (name === 'ENVID') dsn.push(`envid: ${quoted(value)}`);
    else notes.push(`MAIL parameter ${paramText([key, value])}: nodemailer has no envelope option for it.`);
  }
  const rcptParams = new Set(transaction.rcpts.map((r) => r.params.map(paramText).join(' ')));
  const first = transaction.rcpts[0]?.params ?? [];
  if (rcptParams.size > 1) notes.push('RCPT parameters that differ between recipients: nodemailer gives every recipient the same ones.');
  for (const [key, value] of first) {
    const name = key.toUpperCase();
    if (name === 'NOTIFY') dsn.push(`notify: ${quoted(value)}`);
    else if (name === 'ORCPT') dsn.push(`orcpt: ${quoted(value)}`);
    else notes.push(`RCPT parameter ${paramText([key, value])}: nodemailer has no envelope option for it.`);
  }
  if (dsn.length) parts.push(`dsn: { ${dsn.join(', ')} }`);
  return `{ ${parts.join(', ')} }`;
}

function unsupported(step: Step, notes: string[]): void {
  const what = step.kind === 'other' ? step.verb : step.kind.toUpperCase();
  notes.push(`${what} ("${step.line}"): nodemailer's SMTP connection has no call for it; the snippet leaves it out.`);
}

export function toNodemailer(plan: SessionPlan, target: CopyAsTarget, conversation: string): CopyAsOutput {
  const notes: string[] = [];
  const hellos = plan.steps.filter((s) => s.kind === 'hello');
  const name = hellos[0]?.kind === 'hello' ? hellos[0].domain : null;
  if (hellos.some((h) => h.kind === 'hello' && h.verb === 'HELO')) notes.push('HELO: nodemailer always says EHLO (and HELO only when EHLO is refused).');
  const starttls = plan.steps.some((s) => s.kind === 'starttls');
  const transactions = transactionsOf(plan);
  const body: string[] = [];
  let messages = 0;
  const seen = new Set<Step>();
  for (const transaction of transactions) {
    seen.add(transaction.mail);
    for (const rcpt of transaction.rcpts) seen.add(rcpt);
    if (transaction.data) seen.add(transaction.data);
  }
  for (const step of plan.steps) {
    if (step.kind === 'hello' || step.kind === 'starttls') continue;
    if (step.kind === 'auth') {
      const c = step.credentials;
      if (!c || (step.mechanism !== 'PLAIN' && step.mechanism !== 'LOGIN')) {
        notes.push(`AUTH ${step.mechanism}: the recorded lines do not hold a lab account's credentials.`);
        continue;
      }
      if (step.mechanism === 'LOGIN' && step.initial) notes.push('AUTH LOGIN with the user name on the AUTH line: nodemailer waits for the 334 instead.');
      if (step.mechanism === 'PLAIN' && !step.initial) notes.push('AUTH PLAIN without an initial response: nodemailer puts the credentials on the AUTH line.');
      if (c.authzid !== '') notes.push('An AUTH PLAIN authorization identity: nodemailer sends none.');
      body.push(`  // The lab account, as typed.`, `  await step((done) => connection.login({ user: ${quoted(c.user)}, pass: ${quoted(c.pass)}, method: ${quoted(step.mechanism)} }, done));`);
      continue;
    }
    if (step.kind === 'mail') {
      const transaction = transactions.find((t) => t.mail === step)!;
      if (!transaction.data || transaction.data.content === null) {
        notes.push(`The transaction of "${step.line}" never reached message content: nodemailer sends MAIL, RCPT and DATA together, so it is left out.`);
        continue;
      }
      const variable = `message${++messages}`;
      body.push(
        `  const ${variable} = [`,
        ...transaction.data.content.map((line) => `    ${quoted(line)},`),
        `  ].map((line) => line + '\\r\\n').join('');`,
        '  // nodemailer doubles a leading dot (dot-stuffing) and sends the final "." itself.',
        `  console.log(await step((done) => connection.send(${envelopeOf(transaction, notes)}, ${variable}, done)));`,
      );
      continue;
    }
    if (seen.has(step)) continue;
    if (step.kind === 'rset') body.push('  await step((done) => connection.reset(done));');
    else if (step.kind === 'quit') body.push('  connection.quit();');
    else unsupported(step, notes);
  }
  if (!plan.steps.some((s) => s.kind === 'quit')) body.push('  connection.close(); // the original ended without QUIT');
  const options = [
    `host: ${quoted(target.host)},`,
    `port: ${target.port},`,
    `secure: ${target.implicitTls},`,
    ...(name !== null ? [`name: ${quoted(name)}, // the EHLO name`] : []),
    // nodemailer starts TLS whenever the server offers it; a conversation that did not is kept plain.
    ...(!target.implicitTls && !starttls ? ['ignoreTLS: true, // the original did not start TLS'] : []),
    'tls: { rejectUnauthorized: false }, // the lab signs its certificate with its own CA',
  ].map((option) => `  ${option}`);
  const text = [
    `// Repeats SMTP Lab conversation ${conversation} against the lab's SMTP server.`,
    '// Run it with: node reproduce.cjs (in a folder where nodemailer is installed)',
    "const SMTPConnection = require('nodemailer/lib/smtp-connection');",
    '',
    'const connection = new SMTPConnection({',
    ...options,
    '});',
    'const step = (call) => new Promise((resolve, reject) => call((err, info) => (err ? reject(err) : resolve(info))));',
    '',
    'async function main() {',
    '  await step((done) => connection.connect(done));',
    ...body,
    '}',
    'main().catch((err) => {',
    '  console.error(err.message);',
    '  connection.close();',
    '  process.exitCode = 1;',
    '});',
    '',
  ].join('\n');
  return { tool: 'nodemailer', label: 'nodemailer', text, notes };
}
