/**
 * A first-come-first-served line. A burst of mail leaves thousands waiting (for an attempt, for a
 * relay session): copying or shifting a plain array for each of them made the wait quadratic.
 */
export class WaitingLine<T> {
  #items: Array<T | undefined> = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  get first(): T | undefined {
    return this.#items[this.#head];
  }

  push(item: T): void {
    this.#items.push(item);
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    // Drop the taken slots now and then, so a long line does not keep its whole past.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Empty the line, handing back what waited, oldest first. */
  drain(): T[] {
    const waiting = this.#items.slice(this.#head) as T[];
    this.#items = [];
    this.#head = 0;
    return waiting;
  }
}
