/**
 * Where the learner is, as an address after the `#`: every view, conversation, mailbox, message
 * and lesson step has one, so Back and Forward move between them and a link opens the same place.
 * The part after `#` never reaches the bridge: it serves the app's root and nothing else.
 *
 *   #/                              the lab (the newest conversation)
 *   #/c/<conversation>              the lab, on one conversation
 *   #/inbox[/<mailbox>[/<message>]] the inbox
 *   #/world                         the world page
 *   #/serve[/<conversation>]        Be the server (on one of its conversations)
 *   #/lessons                       the list of lessons
 *   #/lessons/<lesson>[/<step>]     a lesson's introduction, or its step (counted from 1)
 *   #/messages/<message>            a message the lab's own server captured, shown over the page
 *                                   it was opened from (the lab, when the link came from elsewhere)
 */
export type Route =
  | { view: 'lab'; conversation: string | null }
  | { view: 'inbox'; mailbox: string | null; message: string | null }
  | { view: 'world' }
  | { view: 'seat'; conversation: string | null }
  | { view: 'lessons'; lesson: string | null; step: number | null };

export const LAB: Route = { view: 'lab', conversation: null };

/** Read an address; anything not understood is the lab, so a mistyped link still opens the page. */
export function parseRoute(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((p) => p !== '')
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  const [head, a = null, b = null] = parts;
  switch (head) {
    case 'c':
      return { view: 'lab', conversation: a };
    case 'inbox':
      return { view: 'inbox', mailbox: a, message: a === null ? null : b };
    case 'world':
      return { view: 'world' };
    case 'serve':
      return { view: 'seat', conversation: a };
    case 'lessons': {
      const step = b !== null && /^[1-9]\d{0,3}$/.test(b) ? Number(b) : null;
      return { view: 'lessons', lesson: a, step: a === null ? null : step };
    }
    default:
      return LAB;
  }
}

export function formatRoute(route: Route): string {
  const path = (...parts: Array<string | number | null>) =>
    '#/' +
    parts
      .filter((p) => p !== null)
      .map((p) => encodeURIComponent(String(p)))
      .join('/');
  switch (route.view) {
    case 'lab':
      return route.conversation === null ? '#/' : path('c', route.conversation);
    case 'inbox':
      return path('inbox', route.mailbox, route.mailbox === null ? null : route.message);
    case 'world':
      return path('world');
    case 'seat':
      return path('serve', route.conversation);
    case 'lessons':
      return path('lessons', route.lesson, route.lesson === null ? null : route.step);
  }
}

/** The captured message an address opens (`#/messages/<id>`), or null. */
export function parseMessage(hash: string): string | null {
  const match = /^#\/messages\/([^/]+)\/?$/.exec(hash);
  if (!match?.[1]) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}

export function formatMessage(id: string): string {
  return `#/messages/${encodeURIComponent(id)}`;
}
