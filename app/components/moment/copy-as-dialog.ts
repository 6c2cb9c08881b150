/**
 * Opens the "Copy as" menu where it was asked for. Loaded on the first click: the generators read
 * the whole conversation again and have no place on the first screen.
 */
import { mount, unmount } from 'svelte';
import CopyAsMenu from './CopyAsMenu.svelte';

type MenuProps = Omit<Parameters<typeof CopyAsMenu>[1], 'onclose'>;

let open: Record<string, unknown> | null = null;

export function openCopyAs(target: HTMLElement, props: MenuProps): void {
  if (open) void unmount(open);
  const menu = mount(CopyAsMenu, {
    target,
    props: {
      ...props,
      onclose: () => {
        if (open === menu) open = null;
        void unmount(menu);
      },
    },
  });
  open = menu;
}
