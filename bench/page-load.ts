/**
 * `npm run bench -- --page`: the first load of the app in Chromium, cold cache, against a lab
 * started as `npm start` runs it, on loopback. Each figure is printed beside its goal:
 * - first-screen JS: the scripts the page itself names (its module and the modules preloaded with
 *   it), which must all arrive before anything shows, counted as their gzip copies;
 * - total transferred: every byte on the wire until the page settles, with no click;
 * - first render: first contentful paint.
 * Everything else (diagram layout, inbox, world, lessons, compose, ladder) loads when first used.
 */
import { stat } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { APP_BUILD_DIR, ensureAppBuilt } from '../bridge/app-build';
import { ENCODED_SUFFIX } from '../bridge/web/precompressed';
import { launchBrowser } from '../tests/support/browser';
import { spawnBridge } from './bridge-process';
import { median } from './stats';

/** The goals of the first load (issue 16); the build is held to the first by tests/integration/first-load.test.ts. */
export const FIRST_LOAD_GOALS = { firstScreenJsGzip: 80 * 1024, firstRenderMs: 300 };
const RUNS = 5;
const VIEWPORT = { width: 1366, height: 768 };

interface PageRun {
  firstScreenScripts: string[];
  /** Every script the page loaded before it settled, with no click. */
  scriptsLoaded: string[];
  firstScreenJsBrotli: number;
  totalTransferred: number;
  firstContentfulPaintMs: number;
  /** When the last first-screen script had arrived, and when the page's code had run (DOMContentLoaded). */
  scriptsArrivedMs: number;
  codeRanMs: number;
  /** Content-Encoding of each first-screen script as it came over the wire. */
  encodings: string[];
}

/** What the page measures of itself once it has settled: resource timing and paint timing. */
interface InPage {
  firstScreen: string[];
  resources: { name: string; initiatorType: string; transferSize: number; encodedBodySize: number; responseEnd: number }[];
  navigationTransfer: number;
  domContentLoaded: number;
  fcp: number;
}

async function loadOnce(webUrl: string): Promise<PageRun> {
  // A fresh profile each time: nothing cached, a new connection.
  const browser = await launchBrowser(VIEWPORT);
  try {
    const page = await browser.context.newPage();
    // The browser is already running when a learner opens the lab: let its own start-up finish first.
    await page.goto('about:blank');
    await page.waitForTimeout(300);
    const encodingOf = new Map<string, string>();
    page.on('response', (response) => encodingOf.set(response.url(), response.headers()['content-encoding'] ?? 'none'));
    await page.goto(webUrl, { waitUntil: 'load' });
    await page.getByTestId('connection-status').filter({ hasText: /connected/i }).waitFor();
    // Settle: what loads by itself after the first screen (the statechart's layout, say) is counted in the total.
    await page.waitForLoadState('networkidle');
    const measured = await page.evaluate(async (): Promise<InPage> => {
      const firstScreen = [
        ...Array.from(document.querySelectorAll<HTMLScriptElement>('script[src]'), (s) => s.src),
        ...Array.from(document.querySelectorAll<HTMLLinkElement>('link[rel="modulepreload"]'), (l) => l.href),
      ];
      const fcp = await new Promise<number>((resolve) => {
        new PerformanceObserver((list) => {
          const entry = list.getEntriesByName('first-contentful-paint')[0];
          if (entry) resolve(entry.startTime);
        }).observe({ type: 'paint', buffered: true });
        setTimeout(() => resolve(Number.NaN), 2000);
      });
      const resources = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((r) => ({
        name: r.name,
        initiatorType: r.initiatorType,
        transferSize: r.transferSize,
        encodedBodySize: r.encodedBodySize,
        responseEnd: r.responseEnd,
      }));
      const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      return {
        firstScreen,
        resources,
        navigationTransfer: navigation?.transferSize ?? 0,
        domContentLoaded: navigation?.domContentLoadedEventEnd ?? Number.NaN,
        fcp,
      };
    });
    const isScript = (name: string) => new URL(name).pathname.endsWith('.js');
    const firstScreen = new Set(measured.firstScreen);
    return {
      firstScreenScripts: measured.firstScreen.map((url) => new URL(url).pathname),
      scriptsLoaded: measured.resources.filter((r) => isScript(r.name)).map((r) => new URL(r.name).pathname),
      firstScreenJsBrotli: measured.resources.filter((r) => firstScreen.has(r.name)).reduce((sum, r) => sum + r.encodedBodySize, 0),
      totalTransferred: measured.navigationTransfer + measured.resources.reduce((sum, r) => sum + r.transferSize, 0),
      firstContentfulPaintMs: measured.fcp,
      scriptsArrivedMs: Math.max(...measured.resources.filter((r) => firstScreen.has(r.name)).map((r) => r.responseEnd)),
      codeRanMs: measured.domContentLoaded,
      encodings: measured.firstScreen.map((url) => encodingOf.get(url) ?? 'not seen'),
    };
  } finally {
    await browser.close();
  }
}

/** The gzip copies' sizes of the built files at these paths. */
async function gzipBytes(paths: string[]): Promise<number> {
  const sizes = await Promise.all(paths.map(async (path) => (await stat(join(APP_BUILD_DIR, path + ENCODED_SUFFIX.gzip))).size));
  return sizes.reduce((sum, size) => sum + size, 0);
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

export async function measurePageLoad(): Promise<void> {
  console.log(`\nFirst load in Chromium (${VIEWPORT.width}×${VIEWPORT.height}), cold cache each time, lab on loopback; median of ${RUNS} loads`);
  if (await ensureAppBuilt()) console.log('(the app was built first: the existing build was not a production build of these sources)');
  const bridge = await spawnBridge();
  const runs: PageRun[] = [];
  try {
    for (let i = 0; i < RUNS; i++) runs.push(await loadOnce(bridge.webUrl));
  } finally {
    await bridge.stop();
  }
  const first = runs[0];
  if (!first) return;
  const jsGzip = await gzipBytes(first.firstScreenScripts);
  const fcp = median(runs.map((r) => r.firstContentfulPaintMs));
  const total = median(runs.map((r) => r.totalTransferred));
  const later = first.scriptsLoaded.filter((path) => !first.firstScreenScripts.includes(path));
  console.table({
    'first-screen JS (gzip)': { figure: kb(jsGzip), goal: `≤ ${kb(FIRST_LOAD_GOALS.firstScreenJsGzip)}`, verdict: verdict(jsGzip <= FIRST_LOAD_GOALS.firstScreenJsGzip) },
    'first render (first contentful paint)': { figure: `${fcp.toFixed(0)} ms`, goal: `≤ ${FIRST_LOAD_GOALS.firstRenderMs} ms`, verdict: verdict(fcp <= FIRST_LOAD_GOALS.firstRenderMs) },
    'total transferred, page settled': { figure: kb(total), goal: '(reported)', verdict: '' },
  });
  console.log(`first-screen scripts: ${first.firstScreenScripts.join(', ')} — ${kb(median(runs.map((r) => r.firstScreenJsBrotli)))} as sent (${[...new Set(first.encodings)].join(', ')})`);
  console.log(`loaded by itself after the first screen: ${later.join(', ') || 'nothing'}`);
  console.log(`first render of each load: ${runs.map((r) => r.firstContentfulPaintMs.toFixed(0)).join(', ')} ms`);
  console.log(
    `where the time goes (medians): first-screen scripts arrived at ${median(runs.map((r) => r.scriptsArrivedMs)).toFixed(0)} ms, ` +
      `the app had run (DOMContentLoaded) at ${median(runs.map((r) => r.codeRanMs)).toFixed(0)} ms, first paint at ${fcp.toFixed(0)} ms`,
  );
  console.log(`load average while measuring: ${loadavg().map((l) => l.toFixed(1)).join(', ')} on ${cpus().length} cores (first render needs a quiet machine)`);
}
