/**
 * A Python smtplib script that repeats a recorded conversation. smtplib has a call for nearly every
 * command, and `docmd` sends any other line as typed, so it can repeat RSET, NOOP, several
 * transactions and even a mistyped command.
 */
import { paramText, type SessionPlan, type Step } from './plan';
import { quoted, type CopyAsOutput, type CopyAsTarget } from './target';

function contentLiteral(name: string, content: readonly string[]): string[] {
  if (content.length === 0) return [`${name} = ""`];
  return [`${name} = (`, ...content.map((line) => `    ${quoted(`${line}\r\n`)}`), ')'];
}

function stepLines(step: Step, messages: { count: number }, notes: string[]): string[] {
  switch (step.kind) {
    case 'hello':
      return [`s.${step.verb === 'EHLO' ? 'ehlo' : 'helo'}(${quoted(step.domain)})`];
    case 'starttls':
      return ['# The lab signs its certificate with its own CA; smtplib does not check it by default.', 's.starttls()'];
    case 'auth': {
      const c = step.credentials;
      if (!c || (step.mechanism !== 'PLAIN' && step.mechanism !== 'LOGIN')) {
        notes.push(`AUTH ${step.mechanism}: the recorded lines do not hold a lab account's credentials; the script sends the AUTH line alone.`);
        return [`s.docmd(${quoted('AUTH')}, ${quoted(step.line.replace(/^\s*\S+\s?/, ''))})`];
      }
      const initial = step.initial ? '' : ', initial_response_ok=False';
      if (step.mechanism === 'PLAIN') {
        const secret = `\u0000${c.user}\u0000${c.pass}`;
        const object = c.authzid === '' ? 's.auth_plain' : `lambda challenge=None: ${quoted(`${c.authzid}${secret}`)}`;
        return [`s.user, s.password = ${quoted(c.user)}, ${quoted(c.pass)}  # the lab account, as typed`, `s.auth("PLAIN", ${object}${initial})`];
      }
      return [`s.user, s.password = ${quoted(c.user)}, ${quoted(c.pass)}  # the lab account, as typed`, `s.auth("LOGIN", s.auth_login${initial})`];
    }
    case 'mail':
    case 'rcpt': {
      const options = step.params.length ? `, [${step.params.map((p) => quoted(paramText(p))).join(', ')}]` : '';
      return [`s.${step.kind}(${quoted(step.path)}${options})`];
    }
    case 'data': {
      if (step.content === null) return ['s.docmd("DATA")  # the server did not take DATA here'];
      const name = `MESSAGE_${++messages.count}`;
      return [
        ...contentLiteral(name, step.content),
        '# smtplib doubles a leading dot (dot-stuffing) and sends the final "." itself.',
        `s.data(${name}.encode("utf-8"))`,
      ];
    }
    case 'rset':
      return ['s.rset()'];
    case 'noop':
      return ['s.noop()'];
    case 'quit':
      return ['s.quit()'];
    case 'other':
      if (step.verb === 'BDAT' || step.verb === 'BDAT-CHUNK') {
        notes.push('BDAT (CHUNKING): smtplib has no call for it; the script leaves it out.');
        return [];
      }
      return [`s.docmd(${quoted(step.line)})`];
  }
}

export function toPython(plan: SessionPlan, target: CopyAsTarget, conversation: string): CopyAsOutput {
  const notes: string[] = [];
  const body: string[] = [];
  const messages = { count: 0 };
  for (const step of plan.steps) body.push(...stepLines(step, messages, notes));
  const quits = plan.steps.some((s) => s.kind === 'quit');
  const implicit = target.implicitTls;
  const text = [
    '#!/usr/bin/env python3',
    `# Repeats SMTP Lab conversation ${conversation} against the lab's SMTP server.`,
    '# Run it with: python3 reproduce.py',
    ...(implicit ? ['import ssl'] : []),
    'import smtplib',
    '',
    implicit
      ? `s = smtplib.SMTP_SSL(${quoted(target.host)}, ${target.port}, context=ssl._create_unverified_context())  # the lab's own CA`
      : `s = smtplib.SMTP(${quoted(target.host)}, ${target.port})  # connects and reads the greeting`,
    ...body,
    ...(quits ? [] : ['s.close()  # the original ended without QUIT']),
    '',
  ].join('\n');
  return { tool: 'python', label: 'Python smtplib', text, notes };
}
