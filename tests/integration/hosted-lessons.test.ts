/**
 * The lessons on the learner's own domain in a hosted lab, whose domain is a name of its own
 * (lab-<hex>.learner.test), not learner.test: each reference solution, filled for that lab's domain
 * as the player fills it, completes there with no mistake note.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLessons } from '../../bridge/lessons/load-lessons';
import { replayLesson } from '../../bridge/lessons/replay';
import { LOCAL_LEARNER_DOMAIN } from '../../core/world/learner-zone';
import { startHostedTestBridge, type HostedTestBridge } from '../support/lab-process';

const lessons = (await loadLessons()).filter((lesson) => lesson.part === 'domain');

describe('domain lessons in a hosted lab', () => {
  let bridge: HostedTestBridge;
  beforeAll(async () => {
    bridge = await startHostedTestBridge({ limits: { labsPerAddress: lessons.length + 1 } });
  });
  afterAll(() => bridge?.close());

  it('has the lessons of the domain part', () => {
    expect(lessons.length).toBeGreaterThanOrEqual(9);
  });

  it.each(lessons.map((lesson) => [`${lesson.number}. ${lesson.title}`, lesson] as const))('lesson %s is solved by its reference solution', async (_name, lesson) => {
    const { lab } = await bridge.directory!.create('127.0.0.1');
    const domain = lab.learnerDomain.domain;
    expect(domain).toMatch(new RegExp(`^lab-[0-9a-f]+\\.${LOCAL_LEARNER_DOMAIN.replaceAll('.', '\\.')}$`));
    const progress = await replayLesson(lab, lesson, (filled) => filled.solution);
    expect(progress.goals.filter((goal) => !goal.met).map((goal) => goal.goal)).toEqual([]);
    expect(progress.notes.map((note) => note.id)).toEqual([]);
    expect(progress.complete).toBe(true);
  });
});
