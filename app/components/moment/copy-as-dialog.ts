/**
 * Opens the "Copy as" menu where it was asked for. Loaded on the first click: the generators read
 * the whole conversation again and have no place on the first screen.
 */
import { mount, unmount } from 'svelte';
import CopyAsMenu from './CopyAsMenu.svelte';

type MenuProps = Omit<Parameters<typeof CopyAsMenu>[1], 'onclose'>;

/** One menu at a time. */
let open: Record<string, unknown> | null = null;

/** Opens the menu in `target`, closing one already open. */
export function openCopyAs(target: HTMLElement, props: MenuProps): void {
  if (open) void unmount(open);
  const close = () => {
    if (open !== menu) return;
    open = null;
    void unmount(menu);
  };
  const menu = mount(CopyAsMenu, { target, props: { ...props, onclose: close } });
  open = menu;
}
