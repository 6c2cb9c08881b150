/// <reference types="vite/client" />

declare module 'virtual:lessons' {
  /** Every lesson, parsed, checked and ordered when the app was built. */
  const lessons: import('../core/lessons/lesson-schema').Lesson[];
  export default lessons;
}

declare module 'virtual:lesson-index' {
  /** Each lesson's id, number and title, in course order: what the first screen needs to offer one. */
  const index: Array<{ id: string; number: number; title: string }>;
  export default index;
}
