/**
 * Which lessons the learner has completed, kept in the browser (localStorage) across reloads, and
 * movable between browsers as a small JSON file.
 */
import { z } from 'zod';

const STORAGE_KEY = 'smtp-lab.progress';

const progressSchema = z.object({
  version: z.literal(1),
  /** lesson id -> when it was completed (ISO 8601) */
  completed: z.record(z.string().max(100), z.string().max(40)),
});
export type ProgressFile = z.infer<typeof progressSchema>;

export class LessonProgress {
  #completed = $state.raw<Record<string, string>>({});

  constructor() {
    try {
      const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
      if (stored) this.#completed = progressSchema.parse(JSON.parse(stored)).completed;
    } catch {
      // A damaged entry is ignored rather than blocking the course.
    }
  }

  isComplete(id: string): boolean {
    return id in this.#completed;
  }

  get completedCount(): number {
    return Object.keys(this.#completed).length;
  }

  markComplete(id: string): void {
    if (this.isComplete(id)) return;
    this.#completed = { ...this.#completed, [id]: new Date().toISOString() };
    this.#save();
  }

  /** The progress as a file's text. */
  export(): string {
    return JSON.stringify({ version: 1, completed: this.#completed } satisfies ProgressFile, null, 2);
  }

  /** Merges a progress file; throws with a readable message when it is not one. */
  import(text: string): number {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new Error('That file is not JSON. Choose a file exported from SMTP Lab.');
    }
    const result = progressSchema.safeParse(data);
    if (!result.success) throw new Error('That file is not an SMTP Lab progress file.');
    const added = Object.keys(result.data.completed).filter((id) => !this.isComplete(id)).length;
    this.#completed = { ...result.data.completed, ...this.#completed };
    this.#save();
    return added;
  }

  reset(): void {
    this.#completed = {};
    this.#save();
  }

  #save(): void {
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify({ version: 1, completed: this.#completed }));
    } catch {
      // Private windows may refuse storage; progress then lasts for this page only.
    }
  }
}
