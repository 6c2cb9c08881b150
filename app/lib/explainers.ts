/**
 * The reply and command catalogs (every code, enhanced code and extension, in plain words) are the
 * largest part of the page's code: they load with the first line there is to explain, not with
 * the page.
 */
export type Explainers = typeof import('./explainer-catalog');

let loading: Promise<Explainers> | undefined;

export function loadExplainers(): Promise<Explainers> {
  loading ??= import('./explainer-catalog');
  return loading;
}
