/**
 * Pan and zoom for the diagrams. A diagram is drawn at its natural size times `zoom` inside a
 * scrolling viewport, so panning is scrolling (scrollbars, keys and touch keep working) and a
 * label's size on screen is its font size times `zoom`. The zoom never goes below `min`: at 1 the
 * diagrams' smallest text is 11 px on screen, so a small panel scrolls rather than shrinks it.
 */
import type { Attachment } from 'svelte/attachments';
import { on } from 'svelte/events';

export interface ZoomLimits {
  /** Smallest zoom: the diagram's labels stay readable at it. */
  min: number;
  max: number;
  /** How the zoom a reset returns to is found: the whole drawing, or its width. */
  fit: 'contain' | 'width';
}

export const DIAGRAM_ZOOM: ZoomLimits = { min: 1, max: 4, fit: 'contain' };
/** One press of + or −, or one notch of the wheel. */
const STEP = 1.25;
/** A pointer must move this far before a press becomes a drag: a click still selects. */
const DRAG_THRESHOLD = 4;

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

export class ViewZoom {
  /** The zoom the learner chose; null follows the panel's size. */
  private chosen: number | null = $state(null);
  /** The viewport's size and the drawing's natural size, in CSS px. */
  viewport = $state({ width: 0, height: 0 });
  content = $state({ width: 1, height: 1 });
  readonly limits: ZoomLimits;

  constructor(limits: ZoomLimits = DIAGRAM_ZOOM) {
    this.limits = limits;
  }

  /** What a reset returns to: the drawing fitted to the viewport, but never below the minimum. */
  readonly base = $derived.by(() => {
    const { width, height } = this.viewport;
    if (width <= 0) return this.limits.min;
    // A pixel short of the viewport, so rounding never brings a scrollbar that would refit it.
    const across = (width - 1) / this.content.width;
    const fitted = this.limits.fit === 'width' ? across : Math.min(across, (height - 1) / this.content.height);
    return clamp(fitted, this.limits.min, this.limits.max);
  });

  readonly zoom = $derived(this.chosen ?? this.base);
  readonly canZoomIn = $derived.by(() => this.zoom < this.limits.max - 1e-6);
  readonly canZoomOut = $derived.by(() => this.zoom > this.limits.min + 1e-6);
  readonly isReset = $derived(this.chosen === null);

  /** The scrolling viewport, once attached: zooming keeps the point under the pointer in place. */
  element: HTMLElement | null = null;
  /** Where the viewport scrolls to once the drawing has its new size. */
  pending: { left: number; top: number } | null = null;

  zoomBy(factor: number, at: { x: number; y: number } | null = null): void {
    const next = clamp(this.zoom * factor, this.limits.min, this.limits.max);
    if (Math.abs(next - this.zoom) < 1e-6) return;
    this.aim(next, at);
    this.chosen = next;
  }

  zoomIn = (): void => this.zoomBy(STEP);
  zoomOut = (): void => this.zoomBy(1 / STEP);
  /** Back to the fitted zoom, scrolled to the left (and to the top, for a drawing). */
  reset = (): void => {
    this.aim(this.base, null);
    if (this.pending) this.pending = { left: 0, top: this.resetToTop ? 0 : this.pending.top };
    this.chosen = null;
  };
  /** Set by the viewport: whether a reset scrolls back to the top. */
  resetToTop = true;

  private aim(to: number, at: { x: number; y: number } | null): void {
    const element = this.element;
    if (!element) return;
    const point = at ?? { x: element.clientWidth / 2, y: element.clientHeight / 2 };
    this.pending = {
      left: ((element.scrollLeft + point.x) / this.zoom) * to - point.x,
      top: ((element.scrollTop + point.y) / this.zoom) * to - point.y,
    };
  }
}

export interface PanZoomOptions {
  /** A plain wheel zooms (a drawing); otherwise it scrolls and Ctrl/⌘ + wheel or a pinch zooms (a long list). */
  wheelZooms: boolean;
  /** A reset also scrolls back to the top (a drawing), or keeps the scroll (a list that follows its end). */
  resetToTop: boolean;
}

/**
 * On the scrolling viewport: wheel and pinch (a touchpad's, or two fingers on a touch screen) zoom
 * around the pointer, drag (mouse, pen or one finger) pans, double-click and the "0" key reset,
 * "+" and "−" zoom. Reads the viewport's size for the fitted zoom.
 */
export function panZoom(view: ViewZoom, options: PanZoomOptions): Attachment<HTMLElement> {
  return (element) => {
    view.element = element;
    view.resetToTop = options.resetToTop;
    // Fingers on a diagram are the diagram's: a pinch zooms it and a drag pans it, here, instead of
    // the browser zooming the whole page (and cancelling the pointers this code follows).
    element.style.touchAction = 'none';
    const measure = () => (view.viewport = { width: element.clientWidth, height: element.clientHeight });
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    measure();

    const local = (event: { clientX: number; clientY: number }) => {
      const rect = element.getBoundingClientRect();
      return { x: event.clientX - rect.left, y: event.clientY - rect.top };
    };

    function onwheel(event: WheelEvent) {
      if (!options.wheelZooms && !event.ctrlKey && !event.metaKey) return;
      event.preventDefault();
      // A pinch arrives as a wheel with Ctrl and small steps; a mouse notch is about 100.
      const factor = Math.pow(STEP, clamp(-event.deltaY / 100, -1, 1));
      view.zoomBy(factor, local(event));
    }

    // Two touches pinch; one pointer (mouse, pen or touch) drags.
    const pointers = new Map<number, { x: number; y: number }>();
    let drag: { x: number; y: number; left: number; top: number; moved: boolean } | null = null;
    let pinch: number | null = null;
    const spread = () => {
      const [a, b] = [...pointers.values()];
      return a && b ? Math.hypot(a.x - b.x, a.y - b.y) : 0;
    };

    function onpointerdown(event: PointerEvent) {
      if (event.button !== 0 || (event.target as Element).closest('button, input, a, textarea, select')) return;
      pointers.set(event.pointerId, local(event));
      if (pointers.size === 2) {
        pinch = spread();
        drag = null;
        return;
      }
      drag = { x: event.clientX, y: event.clientY, left: element.scrollLeft, top: element.scrollTop, moved: false };
    }
    function onpointermove(event: PointerEvent) {
      if (pointers.has(event.pointerId)) pointers.set(event.pointerId, local(event));
      if (pinch !== null && pointers.size === 2) {
        const now = spread();
        const [a, b] = [...pointers.values()];
        if (pinch > 0 && a && b) view.zoomBy(now / pinch, { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
        pinch = now;
        return;
      }
      if (!drag) return;
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD) return;
      if (!drag.moved) {
        drag.moved = true;
        element.setPointerCapture(event.pointerId);
        element.classList.add('panning');
      }
      element.scrollLeft = drag.left - dx;
      element.scrollTop = drag.top - dy;
    }
    function onpointerup(event: PointerEvent) {
      pointers.delete(event.pointerId);
      if (pointers.size < 2) pinch = null;
      if (drag?.moved) {
        // The click that ends a drag is not a click on what lies under it.
        element.addEventListener('click', (click) => click.stopPropagation(), { capture: true, once: true });
        setTimeout(() => element.classList.remove('panning'));
      }
      drag = null;
    }
    function onkeydown(event: KeyboardEvent) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === '+' || event.key === '=') view.zoomIn();
      else if (event.key === '-' || event.key === '_') view.zoomOut();
      else if (event.key === '0') view.reset();
      else return;
      event.preventDefault();
    }
    const ondblclick = () => view.reset();
    // A double-click resets; it should not also select the word under it.
    const onmousedown = (event: MouseEvent) => {
      if (event.detail > 1) event.preventDefault();
    };

    // Once the drawing has its new size, scroll to where the zoom aimed.
    $effect(() => {
      void view.zoom;
      const to = view.pending;
      view.pending = null;
      if (to) {
        element.scrollLeft = to.left;
        element.scrollTop = to.top;
      }
    });

    const off = [
      on(element, 'wheel', onwheel, { passive: false }),
      on(element, 'pointerdown', onpointerdown),
      on(element, 'pointermove', onpointermove),
      on(element, 'pointerup', onpointerup),
      on(element, 'pointercancel', onpointerup),
      on(element, 'keydown', onkeydown),
      on(element, 'dblclick', ondblclick),
      on(element, 'mousedown', onmousedown),
    ];
    return () => {
      view.element = null;
      observer.disconnect();
      for (const remove of off) remove();
    };
  };
}

