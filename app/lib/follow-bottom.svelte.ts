/**
 * Attachment for a scrolling log: stays pinned to the newest line while the reader is at the
 * bottom, and leaves the scroll position alone once they scroll up to read something older.
 */
import type { Attachment } from 'svelte/attachments';

const SLACK_PX = 24;

/** `moved`: told after it scrolled, so a windowed list can draw its new bottom rows in the same frame. */
export function followBottom(size: () => unknown, moved?: () => void): Attachment<HTMLElement> {
  return (element) => {
    let pinned = true;
    const onScroll = () => {
      pinned = element.scrollHeight - element.scrollTop - element.clientHeight < SLACK_PX;
    };
    element.addEventListener('scroll', onScroll, { passive: true });
    $effect(() => {
      size();
      if (!pinned) return;
      element.scrollTop = element.scrollHeight;
      moved?.();
    });
    return () => element.removeEventListener('scroll', onScroll);
  };
}
