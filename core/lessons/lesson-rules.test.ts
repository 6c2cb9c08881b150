import { describe, expect, it } from 'vitest';
import { SessionTracker } from '../machines/session-tracker';
import { opening, wire } from '../machines/test-wire';
import { checkLesson } from './check-goals';
import { buildEvidence } from './evidence';
import { goalsNeverLeftUnmet, notesNeverTriggered } from './lesson-proofs';
import { isLessonFile, LessonFileError, parseLesson } from './parse-lesson';

/** A small lesson file; `attempts` and `notes` replace its wrongAttempts and misconceptions. */
function lessonFile(attempts: string, notes = '  - use: command-in-data'): string {
  return `---
id: tiny
number: 1
part: talking
title: A tiny lesson
summary: One step with two goals, for testing the rules.
rfc: ["RFC 5321 §4.1.1.4"]
fixture: { view: terminal }
steps:
  - id: only
    title: Send it
    goals:
      - id: ehlo
        text: EHLO was answered
        check: { reply: { code: 250, answers: EHLO } }
      - id: accepted
        text: The message was accepted
        check: { reply: { code: 250, answers: . } }
misconceptions:
${notes}
remarks:
  - id: greeted
    when: { reply: { code: 220 } }
    note: The server spoke first.
solution:
  - connect: welcoming
wrongAttempts:
${attempts}
---
Intro.

## Send it

Text.
`;
}

const ATTEMPT = `  - name: never ending the message
    actions: [{ connect: welcoming }]
    unmet: [accepted]
    notes: [command-in-data]`;

const conversation = (script: string) => [{ id: 'c1', startedAt: 1000, lines: SessionTracker.replay(wire(script)).lines }];

/** Evidence of a session that typed `line` after DATA's 354, where the server reads message text. */
function typedInData(line: string) {
  const script = [opening(), 'C: MAIL FROM:<a@lab.test>', 'S: 250 ok', 'C: RCPT TO:<b@lab.test>', 'S: 250 ok', 'C: DATA', 'S: 354 go', `C: ${line}`];
  return buildEvidence({ conversations: conversation(script.join('\n')), messages: [], worldEvents: [] });
}

describe('lesson proof rules', () => {
  it('takes a shared note by its id and checks what attempts name', () => {
    const lesson = parseLesson('tiny.md', lessonFile(ATTEMPT));
    expect(lesson.misconceptions.map((note) => note.id)).toEqual(['command-in-data']);
    expect(goalsNeverLeftUnmet(lesson)).toEqual(['ehlo']);
    expect(notesNeverTriggered(lesson)).toEqual([]);
    const silent = parseLesson('tiny.md', lessonFile(ATTEMPT.replace('\n    notes: [command-in-data]', '')));
    expect(notesNeverTriggered(silent)).toEqual(['command-in-data']);
  });

  it('refuses an attempt that names a goal or a note the lesson does not have', () => {
    expect(() => parseLesson('tiny.md', lessonFile(ATTEMPT.replace('unmet: [accepted]', 'unmet: [delivered]')))).toThrow(
      new LessonFileError('tiny.md', 'wrongAttempts.0.unmet', 'names "delivered", which is no goal of this lesson'),
    );
    expect(() => parseLesson('tiny.md', lessonFile(ATTEMPT.replace('notes: [command-in-data]', 'notes: [greeted]')))).toThrow(/no mistake note/);
    expect(() => parseLesson('tiny.md', lessonFile(ATTEMPT.replace('    unmet: [accepted]\n', '')))).toThrow(/unmet/);
  });

  it('tells mistake notes from remarks: a command typed as message text is a mistake, a greeting a remark', () => {
    const lesson = parseLesson('tiny.md', lessonFile(ATTEMPT));
    const typedQuit = typedInData('quit');
    const progress = checkLesson(lesson, typedQuit);
    expect(progress.notes.map((note) => note.id)).toEqual(['command-in-data']);
    expect(progress.remarks.map((remark) => remark.id)).toEqual(['greeted']);
    const quitAsCommand = buildEvidence({ conversations: conversation(`${opening()}\n  C: QUIT\n  S: 221 bye`), messages: [], worldEvents: [] });
    expect(checkLesson(lesson, quitAsCommand).notes).toEqual([]);
    // Body text that only starts like a command is no slip.
    const prose = typedInData('Quite a day, and data everywhere.');
    expect(checkLesson(lesson, prose).notes).toEqual([]);
  });
});

it('reads numbered lesson files, not the README beside them', () => {
  expect(['01-hello-server.md', '14-spf-dkim-dmarc.md', 'README.md', 'notes.txt'].filter(isLessonFile)).toEqual(['01-hello-server.md', '14-spf-dkim-dmarc.md']);
});

describe('buildEvidence', () => {
  const raw = 'From: a@lab.test\r\n\r\nHi\r\n';
  const sources = {
    conversations: [
      { id: 'old', startedAt: 1_000, lines: [] },
      { id: 'new', origin: 'relay', startedAt: 5_000, lines: [] },
    ],
    messages: [
      { id: 'accepted', envelopeFrom: 'a@lab.test', envelopeTo: ['alice@example.test', 'carol@example.test'], mailbox: null, receivedAt: 5_000, raw },
      { id: 'alice-copy', envelopeFrom: 'a@lab.test', envelopeTo: ['alice@example.test', 'carol@example.test'], mailbox: 'alice@example.test', receivedAt: 5_000, raw },
      { id: 'earlier', envelopeFrom: 'a@lab.test', envelopeTo: ['bob@example.test'], receivedAt: 1_000, raw },
    ],
    worldEvents: [
      { type: 'queued', at: 900_000, queueId: 'q1', kind: 'message', from: 'a@lab.test', to: ['alice@example.test'], conversation: null },
      { type: 'queued', at: 100, queueId: 'q0', kind: 'message', from: 'a@lab.test', to: ['bob@example.test'], conversation: null },
    ],
  } as const;

  it("gives a mailbox copy its mailbox as envelope, so alice's copy is not carol's", () => {
    const evidence = buildEvidence(sources as never);
    expect(evidence.messages.map((m) => [m.id, m.envelopeTo])).toEqual([
      ['accepted', ['alice@example.test', 'carol@example.test']],
      ['alice-copy', ['alice@example.test']],
      ['earlier', ['bob@example.test']],
    ]);
  });

  it('keeps only what happened since the lesson started, each by its own clock', () => {
    const evidence = buildEvidence(sources as never, { wall: 4_500, clock: 800_000 });
    expect(evidence.conversations.map((c) => c.id)).toEqual(['new']);
    expect(evidence.messages.map((m) => m.id)).toEqual(['accepted', 'alice-copy']);
    expect(evidence.worldEvents?.map((e) => e.type === 'queued' && e.queueId)).toEqual(['q1']);
  });
});
