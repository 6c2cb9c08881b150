/**
 * Mail HTML with everything that runs or loads from another place removed before it is shown.
 * The frame's sandbox and CSP already forbid both, but a browser may start fetching an image before
 * it has read a policy in the document, and a document that names no remote resource cannot leak a
 * request at all (a tracking pixel would tell the sender the mail was opened).
 *
 * The cleaning is DOMPurify's: a hand-written walk over one parse was bypassed by mutation XSS
 * (markup such as `<math><mtext><table><mglyph><style>` that parses differently the second time,
 * in the frame). DOMPurify knows those shapes; the hooks below only add the lab's rule that
 * nothing may point elsewhere.
 */
import DOMPurify, { type RemovedAttribute, type RemovedElement } from 'dompurify';

/** Attributes whose value is an address the browser would fetch or go to. */
const URL_ATTRIBUTES = ['src', 'href', 'xlink:href', 'action', 'formaction', 'poster', 'background', 'data', 'ping', 'lowsrc', 'dynsrc', 'cite', 'longdesc', 'usemap'];

/** Elements that fetch, navigate, submit or run, whatever their attributes say. */
const FORBIDDEN_ELEMENTS = ['script', 'link', 'meta', 'base', 'object', 'embed', 'iframe', 'frame', 'frameset', 'applet', 'portal', 'audio', 'video', 'source', 'track', 'picture', 'form', 'input', 'button', 'select', 'textarea', 'option', 'datalist'];

/** Mail may carry its images inline: data: in the message, cid: naming another MIME part. */
const isInline = (value: string) => /^\s*(data:|cid:)/i.test(value);

/**
 * CSS that could name an address: url(), @import, image-set(), or any backslash escape (which can
 * spell `url` or `@import` past a pattern). Such CSS is dropped whole; mail looks plainer, never leaks.
 */
const mayLoad = (css: string) => /url\s*\(|@import|image-set|\\/i.test(css);

function wouldRunOrLoad(removed: RemovedElement | RemovedAttribute): boolean {
  if ('element' in removed) return removed.element instanceof Element && [...FORBIDDEN_ELEMENTS, 'svg', 'math'].includes(removed.element.localName);
  const name = removed.attribute?.name.toLowerCase() ?? '';
  return name.startsWith('on') || URL_ATTRIBUTES.includes(name) || name === 'srcset' || name === 'srcdoc' || name === 'http-equiv';
}

export function offlineHtml(html: string): { html: string; blocked: number } {
  let blocked = 0;
  const purify = DOMPurify();
  purify.addHook('uponSanitizeElement', (node, data) => {
    if (data.tagName === 'style' && mayLoad(node.textContent ?? '')) {
      node.textContent = '';
      blocked++;
    }
  });
  purify.addHook('afterSanitizeAttributes', (element) => {
    for (const name of URL_ATTRIBUTES) {
      const value = element.getAttribute(name);
      if (value === null) continue;
      // A link stays readable and shows its address, but goes nowhere.
      if (name === 'href' && element.localName === 'a') {
        element.setAttribute('title', value);
        element.removeAttribute(name);
        continue;
      }
      if (name === 'src' && isInline(value)) continue;
      element.removeAttribute(name);
      if (!value.trim().startsWith('#')) blocked++;
    }
    // srcset lists candidates; one remote among them is enough to fetch, and src covers the image.
    if (element.hasAttribute('srcset')) {
      element.removeAttribute('srcset');
      blocked++;
    }
    const style = element.getAttribute('style');
    if (style !== null && mayLoad(style)) {
      element.removeAttribute('style');
      blocked++;
    }
  });
  const clean = purify.sanitize(html, {
    // Plain HTML only: SVG and MathML are where namespace confusion lives, and mail rarely needs them.
    USE_PROFILES: { html: true },
    FORBID_TAGS: FORBIDDEN_ELEMENTS,
    FORBID_ATTR: ['srcdoc', 'http-equiv'],
    // cid: is how a message points at its own image parts; everything else is checked in the hook.
    ALLOWED_URI_REGEXP: /^(?:data:|cid:|#|https?:|mailto:)/i,
  });
  // What DOMPurify itself threw away counts when it would have run or loaded (not, say, an odd attribute).
  blocked += purify.removed.filter(wouldRunOrLoad).length;
  return { html: clean, blocked };
}
