/**
 * The address bar as state: the route shown, moved by the learner (a new history entry) or by
 * Back, Forward and links (followed). The addresses themselves are read and written in route.ts.
 * A captured message opens over the page it was opened from: its address is the message's own,
 * and the history entry remembers the page beneath, so a reload or Forward shows both again.
 */
import { formatMessage, formatRoute, parseMessage, parseRoute, LAB, type Route } from './route';

/**
 * What a message's history entry keeps: the address of the page beneath it, and whether the entry
 * before it is that page (the message was opened here, not by a link from elsewhere).
 */
interface OverPage {
  over: string;
  pushed: boolean;
}
const overPage = (state: unknown): OverPage | null =>
  typeof state === 'object' && state !== null && typeof (state as Partial<OverPage>).over === 'string' ? (state as OverPage) : null;

export { LAB, type Route } from './route';

export class Address {
  #route = $state.raw<Route>(LAB);
  #message = $state<string | null>(null);
  /** The lesson and inbox addresses last shown: the header's links return to them. */
  #lastLesson = $state<string>('#/lessons');
  #lastInbox = $state<string>('#/inbox');

  constructor() {
    this.#read();
  }

  get route(): Route {
    return this.#route;
  }
  /** The captured message open over the page, or null. */
  get message(): string | null {
    return this.#message;
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

  /** Open a captured message over the page: a history entry, so Back closes it. */
  openMessage(id: string): void {
    if (this.#message === id) return;
    const pushed = this.#message === null || overPage(history.state)?.pushed === true;
    const over: OverPage = { over: formatRoute(this.#route), pushed };
    if (this.#message === null) history.pushState(over, '', formatMessage(id));
    else history.replaceState(over, '', formatMessage(id));
    this.#message = id;
  }

  /**
   * Close the message: back to the page it was opened over (Forward opens it again); a message
   * opened by a link from elsewhere has no page before it, so its address becomes the page's.
   */
  closeMessage(): void {
    if (this.#message === null) return;
    if (overPage(history.state)?.pushed) {
      history.back();
      return;
    }
    this.#message = null;
    history.replaceState(null, '', formatRoute(this.#route));
  }

  #set(route: Route, how: 'push' | 'replace'): void {
    const href = formatRoute(route);
    if (this.#message !== null && how === 'replace') {
      // The page beneath an open message changed: the message keeps its address.
      const pushed = overPage(history.state)?.pushed ?? false;
      history.replaceState({ over: href, pushed } satisfies OverPage, '', location.hash);
      this.#show(route);
      return;
    }
    this.#message = null;
    if (href !== location.hash) {
      if (how === 'push') history.pushState(null, '', href);
      else history.replaceState(null, '', href);
    }
    this.#show(route);
  }

  #read(): void {
    const message = parseMessage(location.hash);
    if (message !== null) {
      const over = overPage(history.state);
      if (over !== null) this.#show(parseRoute(over.over));
      this.#message = message;
      return;
    }
    this.#message = null;
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
