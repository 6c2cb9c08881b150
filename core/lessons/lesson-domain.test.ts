import { describe, expect, it } from 'vitest';
import { fillDomain, lessonForDomain } from './lesson-domain';
import { parseLesson } from './parse-lesson';

const LESSON = `---
id: own-domain
number: 60
part: domain
title: Mail from your domain
summary: Send from {domain}.
rfc: ["RFC 7489 §6.3"]
fixture: { view: compose, server: submission }
steps:
  - id: send
    title: Send from {domain}
    goals:
      - id: signed
        text: "Alice's copy is signed by {domain}"
        check: { message: { mailbox: alice@example.test, header: { name: Authentication-Results, matches: "header\\\\.i=@{domain}" } } }
    hints:
      - "Send From me@{domain}."
misconceptions:
  - id: unsigned
    when: { message: { mailbox: "me@{domain}" } }
    note: "That went to me@{domain}, not to Alice."
solution:
  - send: { compose: { from: "me@{domain}", to: [alice@example.test], subject: "Hi", text: "From {domain}" }, connection: { profile: submission } }
  - connect: mx
  - type: "MAIL FROM:<ceo@{domain}>"
  - zone: { set: [{ type: TXT, name: _dmarc, value: "v=DMARC1; p=none; rua=mailto:d@{domain}" }] }
wrongAttempts:
  - name: to myself
    actions:
      - send: { compose: { from: "me@{domain}", to: ["me@{domain}"], subject: "Hi", text: "x" }, connection: { profile: submission } }
    unmet: [signed]
    notes: [unsigned]
---
Your domain is {domain}.

## Send from {domain}

Send from an address at {domain}.
`;

describe("a lesson filled for the lab's learner domain", () => {
  const lesson = parseLesson('lessons/60-own-domain.md', LESSON);
  const hosted = lessonForDomain(lesson, 'lab-1f.learner.test');

  it('writes the domain out wherever the lesson names it: text, hints, notes, goals, addresses, typed lines, zone values', () => {
    expect(hosted.intro).toBe('Your domain is lab-1f.learner.test.');
    expect(hosted.steps[0]?.title).toBe('Send from lab-1f.learner.test');
    expect(hosted.steps[0]?.hints).toEqual(['Send From me@lab-1f.learner.test.']);
    expect(hosted.steps[0]?.goals[0]?.text).toBe("Alice's copy is signed by lab-1f.learner.test");
    expect(hosted.misconceptions[0]?.note).toBe('That went to me@lab-1f.learner.test, not to Alice.');
    expect(hosted.misconceptions[0]?.when).toEqual({ message: { mailbox: 'me@lab-1f.learner.test' } });
    expect(JSON.stringify(hosted.steps[0]?.goals[0])).toContain('header\\\\.i=@lab-1f.learner.test');
    expect(hosted.solution[0]).toMatchObject({ send: { compose: { from: 'me@lab-1f.learner.test', text: 'From lab-1f.learner.test' } } });
    expect(hosted.solution[2]).toEqual({ type: 'MAIL FROM:<ceo@lab-1f.learner.test>' });
    expect(hosted.solution[3]).toEqual({ zone: { set: [{ type: 'TXT', name: '_dmarc', value: 'v=DMARC1; p=none; rua=mailto:d@lab-1f.learner.test' }] } });
    expect(hosted.wrongAttempts[0]?.actions[0]).toMatchObject({ send: { compose: { to: ['me@lab-1f.learner.test'] } } });
    expect(JSON.stringify(hosted)).not.toContain('{domain}');
  });

  it('leaves the lesson itself as written, and a local lab reads learner.test', () => {
    expect(JSON.stringify(lesson)).toContain('me@{domain}');
    expect(lessonForDomain(lesson, 'learner.test').steps[0]?.title).toBe('Send from learner.test');
    expect(fillDomain('no placeholder here', 'lab-1f.learner.test')).toBe('no placeholder here');
  });

  it('refuses an address that is neither an address nor one at {domain}', () => {
    expect(() => parseLesson('lessons/60-own-domain.md', LESSON.replace('from: "me@{domain}", to: [alice', 'from: "me@{domain}x", to: [alice'))).toThrow(/solution\.0/);
  });
});
