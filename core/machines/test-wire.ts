/**
 * Test helper: a conversation written as a short script, one wire event per line.
 * "C: text" client line, "L: text" client line ended by a bare LF, "S: text" server line,
 * "* tls" / "* closed" / "* connected" info.
 */
import type { InfoKind, WireEvent } from '../wire';

export function wire(script: string): WireEvent[] {
  return script
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line, index): WireEvent => {
      const base = { conversation: 'test', hop: 0, at: index, tls: false };
      if (line.startsWith('C: ')) return { ...base, dir: 'client', text: line.slice(3) };
      if (line === 'C:') return { ...base, dir: 'client', text: '' };
      if (line.startsWith('L:')) return { ...base, dir: 'client', text: line.slice(3), bareLf: true };
      if (line.startsWith('S: ')) return { ...base, dir: 'server', text: line.slice(3) };
      if (line.startsWith('* ')) return { ...base, dir: 'info', text: '', info: line.slice(2) as InfoKind };
      throw new Error(`not a script line: ${line}`);
    });
}

/** The usual opening: greeting, EHLO, and a reply advertising the given extensions. */
export function opening(...extensions: string[]): string {
  const lines = ['client.test', ...extensions];
  return [
    'S: 220 lab.test ESMTP',
    'C: EHLO client.test',
    ...lines.map((line, i) => `S: 250${i === lines.length - 1 ? ' ' : '-'}${line}`),
  ].join('\n');
}
