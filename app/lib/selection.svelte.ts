/**
 * What the learner is looking at: one conversation, and optionally one transcript line.
 * With no line chosen the explanation follows the latest reply.
 */
export class Selection {
  #conversationId = $state<string | null>(null);
  #lineIndex = $state<number | null>(null);

  get conversationId(): string | null {
    return this.#conversationId;
  }
  /** Index into the conversation's lines, or null to follow the latest reply. */
  get lineIndex(): number | null {
    return this.#lineIndex;
  }

  selectConversation(id: string | null): void {
    if (id === this.#conversationId) return;
    this.#conversationId = id;
    this.#lineIndex = null;
  }

  selectLine(index: number): void {
    this.#lineIndex = index;
  }

  followLatest(): void {
    this.#lineIndex = null;
  }
}
