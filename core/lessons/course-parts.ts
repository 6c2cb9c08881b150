/**
 * The parts of the course, in the order the lesson list shows them. Kept apart from the lesson
 * schema so that the list on the first screen does not pull the schema library in.
 */
export const COURSE_PARTS = {
  map: 'The map',
  talking: 'Talking SMTP',
  across: 'Getting it across',
  way: 'Finding the way',
  trust: 'Trust',
  domain: 'Your own domain',
  casebook: 'The casebook',
} as const;
export type CoursePart = keyof typeof COURSE_PARTS;
