/**
 * Where the learner is, as an address after the `#`: every view, conversation, mailbox, message
 * and lesson step has one, so Back and Forward move between them and a link opens the same place.
 * The part after `#` never reaches the bridge: it serves the app's root and nothing else.
 *
 *   #/                              the lab (the newest conversation)
 *   #/c/<conversation>              the lab, on one conversation
 *   #/inbox[/<mailbox>[/<message>]] the inbox
 *   #/world                         the world page
 *   #/lessons                       the list of lessons
 *   #/lessons/<lesson>[/<step>]     a lesson's introduction, or its step (counted from 1)
 */
export type Route =
  | { view: 'lab'; conversation: string | null }
  | { view: 'inbox'; mailbox: string | null; message: string | null }
  | { view: 'world' }
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
    case 'lessons':
      return path('lessons', route.lesson, route.lesson === null ? null : route.step);
  }
}

export class Address {
  #route = $state.raw<Route>(LAB);
  /** The lesson and inbox addresses last shown: the header's links return to them. */
  #lastLesson = $state<string>('#/lessons');
  #lastInbox = $state<string>('#/inbox');

  constructor() {
    this.#read();
  }

  get route(): Route {
    return this.#route;
  }
  get lessonsHref(): string {
    return this.#lastLesson;
  }
  get inboxHref(): string {
    return this.#lastInbox;
  }

  /** Follow Back, Forward and links typed or clicked; returns the function that stops listening. */
  listen(): () => void {
    const read = () => this.#read();
    // A link's `#` changes the address with a hashchange; Back and Forward with a popstate.
    addEventListener('popstate', read);
    addEventListener('hashchange', read);
    return () => {
      removeEventListener('popstate', read);
      removeEventListener('hashchange', read);
    };
  }

  /** Go somewhere new: a history entry, so Back returns here. */
  go(route: Route): void {
    this.#set(route, 'push');
  }

  /** Correct the address in place (a place that no longer exists, a lesson resumed): no entry. */
  replace(route: Route): void {
    this.#set(route, 'replace');
  }

  #set(route: Route, how: 'push' | 'replace'): void {
    const href = formatRoute(route);
    if (href !== location.hash) {
      if (how === 'push') history.pushState(null, '', href);
      else history.replaceState(null, '', href);
    }
    this.#show(route);
  }

  #read(): void {
    this.#show(parseRoute(location.hash));
  }

  #show(route: Route): void {
    if (formatRoute(route) !== formatRoute(this.#route)) this.#route = route;
    if (route.view === 'inbox') this.#lastInbox = formatRoute(route);
    if (route.view === 'lessons' && route.lesson !== null) this.#lastLesson = formatRoute(route);
    // The list chosen on purpose: the lesson left is closed (it is no longer remembered either).
    else if (route.view === 'lessons') this.#lastLesson = '#/lessons';
  }
}
