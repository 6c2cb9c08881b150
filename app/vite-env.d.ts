/// <reference types="vite/client" />

declare module 'virtual:lessons' {
  /** Every lesson, parsed, checked and ordered when the app was built. */
  const lessons: import('../core/lessons/lesson-schema').Lesson[];
  export default lessons;
}
