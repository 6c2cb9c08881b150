/**
 * The address bar as state: the route shown, moved by the learner (a new history entry) or by
 * Back, Forward and links (followed). The addresses themselves are read and written in route.ts.
 */
import { formatRoute, parseRoute, LAB, type Route } from './route';

export { LAB, type Route } from './route';

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
