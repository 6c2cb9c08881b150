/**
 * A lesson in progress: what has happened in the lab since it (re)started, checked live against the
 * lesson's goals by the same pure code the tests use.
 */
import { checkLesson, type LessonProgress as Checklist } from '../../core/lessons/check-goals';
import { findDeadEnds, type DeadEnd } from '../../core/lessons/dead-ends';
import { buildEvidence, CLOCK_SLACK_MS, type Evidence, type SelectedLine, type StoredMessage } from '../../core/lessons/evidence';
import type { Lesson } from '../../core/lessons/lesson-schema';
import { commandsUsed } from '../../core/lessons/par';
import type { MessageSummary } from '../../core/wire';
import type { LabConnection } from './lab-connection.svelte';
import type { OpenLesson } from './open-lesson';

export class LessonSession {
  readonly lesson: Lesson;
  readonly #lab: LabConnection;
  /** Only what happens after this moment counts (epoch ms). */
  #since = $state(Date.now());
  #sinceClock = $state(Date.now());
  #step = $state(0);
  #hintsShown = $state.raw<number[]>([]);
  #solutionShown = $state(false);
  /** Raw sources fetched for the goals that look into messages. */
  #raw = $state.raw<Record<string, string>>({});
  #fetching = new Set<string>();
  /** A lesson opens on its introduction; the learner begins the first step when ready. */
  #intro = $state(true);
  /** The line the learner chose for each evidence goal, and the answer given to each question goal. */
  #selections = $state.raw<Record<string, SelectedLine>>({});
  #answers = $state.raw<Record<string, string>>({});

  /** `resume`: where this lesson stood before the page reloaded (its id must match). */
  constructor(lesson: Lesson, lab: LabConnection, resume?: OpenLesson) {
    this.lesson = lesson;
    this.#lab = lab;
    this.#hintsShown = lesson.steps.map(() => 0);
    this.#sinceClock = lab.world.clockAt(Date.now()) ?? Date.now();
    if (resume && resume.lesson === lesson.id) {
      const last = lesson.steps.length - 1;
      this.#since = resume.since;
      this.#sinceClock = resume.sinceClock;
      this.#step = Math.min(resume.step, last);
      this.#hintsShown = lesson.steps.map((step, index) => Math.min(resume.hintsShown[index] ?? 0, step.hints.length));
      this.#solutionShown = resume.solutionShown;
      this.#intro = resume.intro;
      this.#selections = resume.selections;
      this.#answers = resume.answers;
    }
  }

  /** Where the lesson stands, to come back to after a reload. Reading it subscribes to every part. */
  get open(): OpenLesson {
    return {
      lesson: this.lesson.id,
      step: this.#step,
      since: this.#since,
      sinceClock: this.#sinceClock,
      hintsShown: this.#hintsShown,
      solutionShown: this.#solutionShown,
      intro: this.#intro,
      selections: this.#selections,
      answers: this.#answers,
    };
  }

  get step(): number {
    return this.#step;
  }
  /** The introduction is on screen, before the first step. */
  get intro(): boolean {
    return this.#intro;
  }
  get solutionShown(): boolean {
    return this.#solutionShown;
  }
  hintsShown(step: number): number {
    return this.#hintsShown[step] ?? 0;
  }

  /** The live checklist. Reading it subscribes to the lab's conversations and messages. */
  get checklist(): Checklist {
    return checkLesson(this.lesson, this.evidence);
  }

  get evidence(): Evidence {
    const conversations = this.#lab.conversations.map((conversation) => ({
      id: conversation.id,
      origin: conversation.summary.origin,
      startedAt: conversation.summary.startedAt,
      lines: conversation.lines,
    }));
    const messages: StoredMessage[] = [];
    for (const message of this.#lab.messages) {
      // Sources of messages that would not count are not worth fetching.
      if (message.receivedAt < this.#since - CLOCK_SLACK_MS) continue;
      const raw = this.#raw[message.id];
      if (raw === undefined) this.#fetchRaw(message.id);
      else messages.push({ ...message, raw });
    }
    return buildEvidence(
      { conversations, messages, worldEvents: this.#lab.world.events },
      { wall: this.#since, clock: this.#sinceClock },
      { selections: this.#selections, answers: this.#answers },
    );
  }

  /** The commands the learner's terminal sent since the lesson (re)started, for its par. */
  get commandsUsed(): number {
    return commandsUsed(this.evidence);
  }

  /** Goals that can no longer be met as things stand, with what is missing and how to start over. */
  get deadEnds(): DeadEnd[] {
    return findDeadEnds(this.lesson, this.evidence, this.#step);
  }

  /** What the lab's own server accepted since the lesson (re)started: the lesson's captured messages. */
  get captured(): MessageSummary[] {
    return this.#lab.messages.filter((message) => !message.mailbox && message.receivedAt >= this.#since - 1000);
  }

  /** A terminal of this lesson is open: the learner has somewhere to type. */
  get connected(): boolean {
    return this.evidence.conversations.some((c) => c.origin === 'terminal' && c.lines.at(-1)?.state !== 'closed');
  }

  /** Leave the introduction for the first step. */
  begin(): void {
    this.#intro = false;
    this.#step = 0;
  }

  /** Back to the introduction (Previous on the first step). */
  showIntro(): void {
    this.#intro = true;
  }

  goToStep(index: number): void {
    this.#intro = false;
    this.#step = Math.max(0, Math.min(this.lesson.steps.length - 1, index));
  }

  showHint(): void {
    const hints = this.lesson.steps[this.#step]?.hints.length ?? 0;
    this.#hintsShown = this.#hintsShown.map((shown, i) => (i === this.#step ? Math.min(hints, shown + 1) : shown));
  }

  /** The learner chose this line for an evidence goal: it is checked like everything else. */
  select(goal: string, line: SelectedLine): void {
    this.#selections = { ...this.#selections, [goal]: line };
  }

  selectionFor(goal: string): SelectedLine | undefined {
    return this.#selections[goal];
  }

  /** The learner answered a question goal (a choice, or a typed value). */
  answer(goal: string, value: string): void {
    this.#answers = { ...this.#answers, [goal]: value };
  }

  answerFor(goal: string): string | undefined {
    return this.#answers[goal];
  }

  showSolution(): void {
    this.#solutionShown = true;
  }

  /** Start the lesson over: earlier conversations and messages no longer count. */
  restart(): void {
    this.#since = Date.now();
    this.#sinceClock = this.#lab.world.clockAt(Date.now()) ?? Date.now();
    this.#step = 0;
    this.#intro = true;
    this.#solutionShown = false;
    this.#hintsShown = this.lesson.steps.map(() => 0);
    this.#selections = {};
    this.#answers = {};
  }

  #fetchRaw(id: string): void {
    if (this.#fetching.has(id)) return;
    this.#fetching.add(id);
    // Outside the reactive read that asked for it: the answer lands as new state.
    queueMicrotask(async () => {
      try {
        const response = await fetch(`/api/messages/${encodeURIComponent(id)}/raw`);
        const text = response.ok ? await response.text() : '';
        this.#raw = { ...this.#raw, [id]: text };
      } catch {
        this.#fetching.delete(id);
      }
    });
  }
}
