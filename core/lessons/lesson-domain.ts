/**
 * The learner's own domain in a lesson. A lesson writes `{domain}` wherever it means it — in a
 * compose form's addresses, a typed line, a goal's pattern, a zone value, the text, hints and notes
 * the learner reads — because a hosted lab's domain is a name of its own (`lab-<hex>.learner.test`),
 * not the local `learner.test`. The player and the replay fill a lesson for their lab's domain here,
 * and nowhere else.
 */
import type { Lesson } from './lesson-schema';

export const DOMAIN_PLACEHOLDER = '{domain}';

/** `text` with every `{domain}` written out as `domain`. */
export function fillDomain(text: string, domain: string): string {
  return text.replaceAll(DOMAIN_PLACEHOLDER, domain);
}

/** The lesson as a lab whose learner domain is `domain` plays it: every string in it filled. */
export function lessonForDomain(lesson: Lesson, domain: string): Lesson {
  return filled(lesson, domain);
}

function filled<T>(value: T, domain: string): T {
  if (typeof value === 'string') return fillDomain(value, domain) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => filled(item, domain)) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, filled(item, domain)])) as T;
  return value;
}
