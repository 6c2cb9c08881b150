/**
 * Downloads without inline scripts or other origins (the CSP allows neither): the link's href is
 * set to a fresh blob: URL in its own click handler, before the browser follows it.
 */
const live = new WeakMap<HTMLAnchorElement, string>();

export function downloadOnClick(make: () => { text: BlobPart; type: string }) {
  return (event: MouseEvent) => {
    const link = event.currentTarget as HTMLAnchorElement;
    const previous = live.get(link);
    if (previous) URL.revokeObjectURL(previous);
    const { text, type } = make();
    const url = URL.createObjectURL(new Blob([text], { type }));
    live.set(link, url);
    link.href = url;
  };
}
