/**
 * Windowing for a long scrolling log (transcript, terminal output, ladder): only the rows in
 * view, plus a margin, are in the DOM; spacers above and below keep the scroll height of the
 * whole list. Rows have heights known without measuring them (fixed, or computed from their
 * content), given as the top of each row: `top(i)` for i in 0..count, `top(count)` the total.
 * A 10,000-line conversation draws a few dozen rows instead of 10,000.
 *
 * It also follows the newest line: pinned to the bottom while the reader is there, left alone
 * once they scroll up to read something older. While pinned, the window is taken from the end,
 * so the newest rows are drawn before the scroll moves and the page lays out once per frame.
 */
import type { Attachment } from 'svelte/attachments';

/** Rows drawn above and below the visible ones, so a fast scroll does not show blank space first. */
const OVERSCAN_PX = 400;
/** Within this distance of the bottom the reader counts as following the newest line. */
const SLACK_PX = 24;
/**
 * Lists up to this many rows are drawn whole: cheap, and the browser's find-in-page and a screen
 * reader's list navigation then see every row of an ordinary session.
 */
export const DRAW_ALL_UP_TO = 300;
/** Before the first measurement the scroller is taken as this tall. */
const UNMEASURED_PX = 1000;

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
  #width = $state(0);
  #pinned = $state(true);
  #element: HTMLElement | null = null;

  /**
   * What is in view now, with the margin, in px from the top of the scrolled content.
   * `total`: the content's height, so that while following the newest line the span is its end.
   */
  span(total: number): { from: number; to: number } {
    const height = this.#viewport || UNMEASURED_PX;
    const top = this.#pinned ? Math.max(0, total - height) : this.#scrollTop;
    return { from: top - OVERSCAN_PX, to: top + height + OVERSCAN_PX };
  }

  /** Width of the scrolled content: a diagram scaled to it draws at this many px per unit of its width. */
  get contentWidth(): number {
    return this.#width;
  }

  /** The rows of a list of `count` rows to draw now. `offset`: what precedes the rows in the scroller. */
  window(count: number, top: (index: number) => number, offset = 0): RowWindow {
    if (count <= DRAW_ALL_UP_TO) return { start: 0, end: count, before: 0, after: 0 };
    const { from, to } = this.span(offset + top(count));
    const start = Math.min(count, rowAt(Math.max(0, from - offset), count, top));
    const end = Math.min(count, rowAt(Math.max(0, to - offset), count, top) + 1);
    return { start, end, before: top(start), after: top(count) - top(end) };
  }

  /**
   * Attach to the scrolling element: follows its scroll position and its height, and keeps it at
   * the bottom while pinned whenever `size()` (the number of rows) changes.
   */
  attach(size: () => unknown): Attachment<HTMLElement> {
    return (element) => {
      this.#element = element;
      const read = () => {
        this.#scrollTop = element.scrollTop;
        this.#viewport = element.clientHeight;
        this.#width = element.scrollWidth;
      };
      const onScroll = () => {
        read();
        this.#pinned = element.scrollHeight - element.scrollTop - element.clientHeight < SLACK_PX;
      };
      read();
      element.addEventListener('scroll', onScroll, { passive: true });
      const resize = new ResizeObserver(read);
      resize.observe(element);
      $effect(() => {
        size();
        if (!this.#pinned) return;
        element.scrollTop = element.scrollHeight;
        this.#scrollTop = element.scrollTop;
      });
      return () => {
        element.removeEventListener('scroll', onScroll);
        resize.disconnect();
        if (this.#element === element) this.#element = null;
      };
    };
  }

  /** Scroll just enough that the part from `y1` to `y2` (in scroller coordinates) is in view. */
  reveal(y1: number, y2: number): void {
    const element = this.#element;
    if (!element) return;
    if (y1 < element.scrollTop) element.scrollTop = y1;
    else if (y2 > element.scrollTop + element.clientHeight) element.scrollTop = y2 - element.clientHeight;
    this.#scrollTop = element.scrollTop;
    this.#pinned = element.scrollHeight - element.scrollTop - element.clientHeight < SLACK_PX;
  }
}
