/**
 * axe-core in the page under test: the serious and critical findings, each as one readable line.
 * The lab's CSP (script-src 'self') refuses an injected <script> tag, as it should; the source is
 * evaluated through the DevTools protocol instead, which a page's CSP does not govern.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../bridge/app-build';

const AXE_PATH = join(PROJECT_ROOT, 'node_modules/axe-core/axe.min.js');
let source: Promise<string> | null = null;

interface AxeApi {
  run(context: Document): Promise<AxeResults>;
  getRules(tags: string[]): Array<{ ruleId: string }>;
  configure(options: { rules: Array<{ id: string; enabled: boolean }> }): void;
}

interface AxeResults {
  violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }>;
}

export async function seriousFindings(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) {
    source ??= readFile(AXE_PATH, 'utf8');
    await page.evaluate(await source);
    // The experimental rules too: one of them checks that a control's name holds its visible words.
    await page.evaluate(() => {
      const axe = (window as unknown as { axe: AxeApi }).axe;
      axe.configure({ rules: axe.getRules(['experimental']).map((rule) => ({ id: rule.ruleId, enabled: true })) });
    });
  }
  const results = await page.evaluate(() => (window as unknown as { axe: AxeApi }).axe.run(document));
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 4).map((n) => JSON.stringify(n.target)).join(', ')}`);
}
