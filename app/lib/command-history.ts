/** Up/Down recall of typed lines, like a shell: shared by every terminal conversation. */
export class CommandHistory {
  #entries: string[] = [];
  /** Position while browsing: entries.length means "not browsing". */
  #cursor = 0;
  #draft = '';

  record(line: string): void {
    if (line !== '' && this.#entries.at(-1) !== line) this.#entries.push(line);
    this.#cursor = this.#entries.length;
    this.#draft = '';
  }

  /** The older entry, or null at the start. `current` is kept so Down can bring it back. */
  previous(current: string): string | null {
    if (this.#cursor === 0) return null;
    if (this.#cursor === this.#entries.length) this.#draft = current;
    this.#cursor--;
    return this.#entries[this.#cursor] ?? null;
  }

  /** The newer entry, the draft after the newest, or null when not browsing. */
  next(): string | null {
    if (this.#cursor >= this.#entries.length) return null;
    this.#cursor++;
    return this.#cursor === this.#entries.length ? this.#draft : (this.#entries[this.#cursor] ?? null);
  }
}
