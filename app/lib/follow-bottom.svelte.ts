/**
 * Attachment for a scrolling log: stays pinned to the newest line while the reader is at the
 * bottom, and leaves the scroll position alone once they scroll up to read something older.
 */
import type { Attachment } from 'svelte/attachments';

const SLACK_PX = 24;

export function followBottom(size: () => unknown): Attachment<HTMLElement> {
  return (element) => {
    let pinned = true;
    const onScroll = () => {
      pinned = element.scrollHeight - element.scrollTop - element.clientHeight < SLACK_PX;
    };
    element.addEventListener('scroll', onScroll, { passive: true });
    $effect(() => {
      size();
      if (pinned) element.scrollTop = element.scrollHeight;
    });
    return () => element.removeEventListener('scroll', onScroll);
  };
}
