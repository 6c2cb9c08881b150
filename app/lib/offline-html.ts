/**
 * Mail HTML with every reference to another place removed before it is shown. The sandbox and the
 * frame's CSP already forbid loading, but a browser may start fetching an image before it has read
 * a policy in the document; a document that names no remote resource cannot leak a request at all
 * (a tracking pixel would tell the sender the mail was opened).
 * DOMParser builds an inert document: nothing in it loads or runs.
 */
const URL_ATTRIBUTES = ['src', 'srcset', 'href', 'poster', 'background', 'action', 'formaction', 'data', 'xlink:href', 'ping', 'lowsrc', 'dynsrc'];
const REMOVED_ELEMENTS = 'script, link, meta, base, object, embed, iframe, frame, frameset, applet, audio, video, source, track';

const isInline = (value: string) => /^\s*(data:|cid:|#)/i.test(value);

export function offlineHtml(html: string): { html: string; blocked: number } {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  let blocked = 0;
  for (const element of doc.querySelectorAll(REMOVED_ELEMENTS)) {
    element.remove();
    blocked++;
  }
  for (const element of doc.querySelectorAll('*')) {
    for (const name of URL_ATTRIBUTES) {
      const value = element.getAttribute(name);
      if (value === null || (name !== 'href' && isInline(value))) continue;
      // Links stay readable but go nowhere; everything else that fetches is dropped.
      if (name === 'href' && element.tagName === 'A') {
        element.setAttribute('title', value);
        element.removeAttribute('href');
        continue;
      }
      element.removeAttribute(name);
      blocked++;
    }
    const style = element.getAttribute('style');
    if (style && /url\s*\(/i.test(style)) {
      element.setAttribute('style', style.replace(/url\s*\([^)]*\)/gi, 'none'));
      blocked++;
    }
  }
  for (const style of doc.querySelectorAll('style')) {
    if (/url\s*\(|@import/i.test(style.textContent ?? '')) {
      style.textContent = (style.textContent ?? '').replace(/@import[^;]*;?/gi, '').replace(/url\s*\([^)]*\)/gi, 'none');
      blocked++;
    }
  }
  return { html: doc.body.innerHTML, blocked };
}
