/**
 * Windowing for a long scrolling list (transcript, terminal output, ladder): only the rows in
 * view, plus a margin, are in the DOM; spacers above and below keep the scroll height of the
 * whole list. Rows have heights known without measuring them (fixed, or computed from their
 * content), given as the top of each row: `top(i)` for i in 0..count, `top(count)` the total.
 * A 10,000-line conversation draws a few dozen rows instead of 10,000.
 */
import type { Attachment } from 'svelte/attachments';

/** Rows drawn above and below the visible ones, so a fast scroll does not show blank space first. */
const OVERSCAN_PX = 400;

export interface RowWindow {
  /** First row drawn. */
  start: number;
  /** One past the last row drawn. */
  end: number;
  /** Space above the first row drawn, and below the last. */
  before: number;
  after: number;
}

/** The first row whose bottom is below `y` (binary search over the row tops). */
function rowAt(y: number, count: number, top: (index: number) => number): number {
  let low = 0;
  let high = count;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (top(middle + 1) <= y) low = middle + 1;
    else high = middle;
  }
  return low;
}

export class VirtualRows {
  #scrollTop = $state(0);
  #viewport = $state(0);
  #element: HTMLElement | null = null;

  /** The rows of a list of `count` rows that the viewport shows now. `offset`: what precedes the rows in the scroller. */
  window(count: number, top: (index: number) => number, offset = 0): RowWindow {
    const from = this.#scrollTop - offset - OVERSCAN_PX;
    // Before the first measurement the scroller is taken as one screenful tall.
    const to = this.#scrollTop - offset + (this.#viewport || 1000) + OVERSCAN_PX;
    const start = Math.min(count, rowAt(Math.max(0, from), count, top));
    const end = Math.min(count, rowAt(Math.max(0, to), count, top) + 1);
    return { start, end, before: top(start), after: top(count) - top(end) };
  }

  /** Attach to the scrolling element: follows its scroll position and its height. */
  readonly attach: Attachment<HTMLElement> = (element) => {
    this.#element = element;
    const read = () => {
      this.#scrollTop = element.scrollTop;
      this.#viewport = element.clientHeight;
    };
    read();
    element.addEventListener('scroll', read, { passive: true });
    const resize = new ResizeObserver(read);
    resize.observe(element);
    return () => {
      element.removeEventListener('scroll', read);
      resize.disconnect();
      if (this.#element === element) this.#element = null;
    };
  };

  /** Scroll just enough that the row from `y1` to `y2` (in scroller coordinates) is in view. */
  reveal(y1: number, y2: number): void {
    const element = this.#element;
    if (!element) return;
    if (y1 < element.scrollTop) element.scrollTop = y1;
    else if (y2 > element.scrollTop + element.clientHeight) element.scrollTop = y2 - element.clientHeight;
    this.#scrollTop = element.scrollTop;
  }

  /** Called after the list grew while following the bottom: the window moves with the scroll. */
  sync(): void {
    if (this.#element) this.#scrollTop = this.#element.scrollTop;
  }
}
