/**
 * The theme: every text colour stays readable in both themes, and the script that applies a chosen
 * theme before the first paint reads what the header's choice stores.
 */
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseTheme, loadTheme, THEME_STORAGE_KEY } from './theme';

const appCss = readFileSync(new URL('../app.css', import.meta.url), 'utf8');
const earlyScript = readFileSync(new URL('../public/theme-early.js', import.meta.url), 'utf8');

/** Each colour of app.css as [light, dark]; the terminal's single colours serve both. */
function palette(): Map<string, [string, string]> {
  const colours = new Map<string, [string, string]>();
  for (const [, name, light, dark] of appCss.matchAll(/--([\w-]+):\s*light-dark\((#[0-9a-f]{6}),\s*(#[0-9a-f]{6})\)/g)) {
    colours.set(name!, [light!, dark!]);
  }
  for (const [, name, both] of appCss.matchAll(/--(terminal-[\w-]+):\s*(#[0-9a-f]{6});/g)) colours.set(name!, [both!, both!]);
  return colours;
}

/** WCAG 2 contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (high + 0.05) / (low + 0.05);
}

const TEXT = ['text', 'muted', 'accent', 'client', 'server', 'info', 'error', 'warn', 'warn-strong', 'purple', 'orange'];
const SURFACES = ['panel', 'bg', 'panel-alt', 'hover'];
/** Text drawn on a tinted box or a filled button, as the components use them. */
const ON_TINTS: Array<[string, string]> = [
  ['warn-strong', 'warn-soft'],
  ['warn', 'warn-soft'],
  ['text', 'warn-mark'],
  ['client', 'warn-mark'],
  ['server', 'warn-mark'],
  ['client', 'client-soft'],
  ['server', 'server-soft'],
  ['error', 'error-soft'],
  ['purple', 'purple-soft'],
  ['accent', 'accent-soft'],
  ['on-fill', 'accent'],
  ['on-fill', 'server'],
  ['on-fill', 'purple'],
  ['terminal-text', 'terminal-bg'],
  ['terminal-muted', 'terminal-bg'],
  ['terminal-client', 'terminal-bg'],
  ['terminal-server', 'terminal-bg'],
  ['terminal-error', 'terminal-bg'],
  ['terminal-data', 'terminal-bg'],
];

describe('the colours of both themes', () => {
  it('keep every text colour at 4.5:1 or more on what it is drawn on', () => {
    const colours = palette();
    const pairs = [...TEXT.flatMap((text) => SURFACES.map((surface): [string, string] => [text, surface])), ...ON_TINTS];
    const low: string[] = [];
    for (const [text, surface] of pairs) {
      const [fg, bg] = [colours.get(text), colours.get(surface)];
      if (!fg || !bg) throw new Error(`app.css lost --${fg ? surface : text}`);
      for (const [theme, i] of [['light', 0], ['dark', 1]] as const) {
        const ratio = contrast(fg[i], bg[i]);
        if (ratio < 4.5) low.push(`--${text} on --${surface} (${theme}): ${ratio.toFixed(2)}`);
      }
    }
    expect(low).toEqual([]);
  });
});

describe('the theme choice', () => {
  const stored = new Map<string, string>();
  const storage = {
    getItem: (key: string) => stored.get(key) ?? null,
    setItem: (key: string, value: string) => void stored.set(key, value),
    removeItem: (key: string) => void stored.delete(key),
  };
  beforeEach(() => {
    stored.clear();
    Object.defineProperty(globalThis, 'localStorage', { value: storage, configurable: true });
  });
  afterEach(() => {
    Reflect.deleteProperty(globalThis, 'localStorage');
  });

  /** What html[data-theme] the early script sets, before any module runs. */
  function themeBeforeFirstPaint(): string | undefined {
    const documentElement = { dataset: {} as Record<string, string> };
    runInNewContext(earlyScript, { localStorage: storage, document: { documentElement } });
    return documentElement.dataset.theme;
  }

  it('is remembered, and the early script applies it before the app loads', () => {
    const root = { dataset: {} } as HTMLElement;
    chooseTheme('dark', root);
    expect(root.dataset.theme).toBe('dark');
    expect(loadTheme()).toBe('dark');
    expect(themeBeforeFirstPaint()).toBe('dark');

    chooseTheme('light', root);
    expect(themeBeforeFirstPaint()).toBe('light');
  });

  it('leaves the system to decide when the choice is "system" or the stored value is not a theme', () => {
    const root = { dataset: {} } as HTMLElement;
    chooseTheme('dark', root);
    chooseTheme('system', root);
    expect(root.dataset.theme).toBeUndefined();
    expect(loadTheme()).toBe('system');
    expect(themeBeforeFirstPaint()).toBeUndefined();

    stored.set(THEME_STORAGE_KEY, 'sepia');
    expect(loadTheme()).toBe('system');
    expect(themeBeforeFirstPaint()).toBeUndefined();
  });
});
