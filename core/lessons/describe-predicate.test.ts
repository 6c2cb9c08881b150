import { describe, expect, it } from 'vitest';
import { describePredicate } from './describe-predicate';
import { parseLesson } from './parse-lesson';
import { predicateSchema, type Predicate } from './predicates';

/** Every lesson of the course, read from its file as the app's build reads it. */
const files = import.meta.glob<string>('../../lessons/*.md', { query: '?raw', import: 'default', eager: true });
const lessons = Object.entries(files)
  .filter(([path]) => !path.endsWith('README.md'))
  .map(([path, text]) => parseLesson(path.replace('../../', ''), text));

/** What a learner must never read: a backslash escape, a character class, a group, or a /pattern/. */
const REGEX_SYNTAX = /\\|\[\^|\(\?|\/\^|\$\/|(^|\s)\/[^\s/]+\/(\s|,|$)/;

const say = (predicate: unknown) => describePredicate(predicateSchema.parse(predicate));

describe('a goal described to the learner', () => {
  it('reads every check of every lesson without a regular expression in it', () => {
    expect(lessons.length).toBeGreaterThan(50);
    const raw = lessons.flatMap((lesson) =>
      lesson.steps.flatMap((step) =>
        step.goals.flatMap((goal) => {
          if (!('check' in goal)) return [];
          const words = describePredicate(goal.check as Predicate);
          return REGEX_SYNTAX.test(words) ? [`${lesson.file} ${goal.id}: ${words}`] : [];
        }),
      ),
    );
    expect(raw).toEqual([]);
  });

  it('quotes a plain literal as the text it matches, with its escapes undone', () => {
    expect(say({ reply: { code: 250, answers: 'RCPT', command: 'alice@example\\.test' } })).toBe('a 250 reply to RCPT to a command containing “alice@example.test”');
    expect(say({ reply: { code: 250, answers: 'EHLO', text: '^PIPELINING$' } })).toBe('a 250 reply to EHLO with a line reading “PIPELINING”');
    expect(say({ line: { dir: 'client', matches: '^\\.\\.' } })).toBe('a client line starting with “..”');
    expect(say({ command: { verb: 'auth', line: '\\s[Ll][Oo][Gg][Ii][Nn]\\s*$' } })).toBe('an AUTH command ending with “LOGIN”');
    expect(say({ message: { body: 'DMARC' } })).toBe('a message whose text contains “DMARC”');
  });

  it('names a real pattern by the goal beside it rather than showing it', () => {
    expect(say({ message: { mailbox: 'ann@chunks.test', body: '^\\.\\r?\\n[^\\r\\n]' } })).toBe("a message in ann@chunks.test's mailbox whose text is as the goal describes");
    expect(say({ reply: { code: 552, answers: 'MAIL', command: 'SIZE=\\d+' } })).toBe('a 552 reply to MAIL to the command the goal describes');
    expect(say({ message: { header: { name: 'To', matches: '^(?![\\s\\S]*carol)' } } })).toBe('a message with a To: header as the goal describes');
  });
});
