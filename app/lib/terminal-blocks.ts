/**
 * The terminal's output as blocks: a client line, one whole (multi-line) reply, or a note. Built
 * incrementally: new lines extend the blocks already made (only the last, still open reply is
 * made again), so a 10,000-line conversation costs the new lines, not all of them, per frame.
 * Each block knows its height in text rows, so the terminal can draw only the blocks in view.
 */
import type { TrackedLine } from '../../core/machines/session-tracker';
import { infoLabel, replyMark, type ReplyMark } from './transcript';

export type TerminalBlock =
  | { kind: 'client'; key: number; text: string; mode: TrackedLine['mode']; cut: number; rows: number }
  | { kind: 'server'; key: number; texts: string[]; mark: ReplyMark | null; rows: number }
  | { kind: 'info'; key: number; text: string; rows: number };

/** A body line starting with "." that is not the lone end-of-data dot: the terminal adds a note row. */
export function isDotStuffed(block: Extract<TerminalBlock, { kind: 'client' }>): boolean {
  return block.mode === 'data' && block.text.startsWith('.') && block.text !== '.';
}

export class TerminalBlocks {
  #blocks: TerminalBlock[] = [];
  /** Lines read into #blocks, and the array they came from (a new conversation starts over). */
  #read = 0;
  #first: TrackedLine | undefined;

  /** The blocks for `lines`, which extend the lines of the previous call (or start over). */
  update(lines: readonly TrackedLine[]): TerminalBlock[] {
    if (lines[0] !== this.#first || lines.length < this.#read) {
      this.#blocks = [];
      this.#read = 0;
      this.#first = lines[0];
    }
    // A reply still open may take more lines: read it again from its first line.
    const last = this.#blocks.at(-1);
    if (last?.kind === 'server' && last.mark === null && !lines[this.#read - 1]?.reply) {
      this.#blocks.pop();
      this.#read = last.key;
    }
    let open: Extract<TerminalBlock, { kind: 'server' }> | null = null;
    for (let index = this.#read; index < lines.length; index++) {
      const line = lines[index] as TrackedLine;
      const { dir, text, cut } = line.event;
      if (dir === 'server') {
        if (!open) {
          open = { kind: 'server', key: index, texts: [], mark: null, rows: 0 };
          this.#blocks.push(open);
        }
        open.texts.push(text);
        open.rows++;
        if (line.reply) {
          open.mark = replyMark(line);
          if (open.mark) open.rows++;
          open = null;
        }
        continue;
      }
      open = null;
      if (dir === 'client') {
        const block = { kind: 'client' as const, key: index, text, mode: line.mode, cut: cut ?? 0, rows: 1 };
        if (isDotStuffed(block)) block.rows++;
        this.#blocks.push(block);
      } else this.#blocks.push({ kind: 'info', key: index, text: infoLabel(line), rows: 1 });
    }
    this.#read = lines.length;
    return this.#blocks.slice();
  }
}
