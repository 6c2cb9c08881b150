/**
 * The colour theme: the system's preference unless the learner picked light or dark in the
 * header. The choice is kept in localStorage and set as html[data-theme], which app.css reads.
 * public/theme-early.js applies the same stored choice before the first paint (a module script
 * runs too late to avoid a flash); keep its key and values the same as here.
 */
export const THEME_STORAGE_KEY = 'smtp-lab.theme';

export const THEME_CHOICES = ['system', 'light', 'dark'] as const;
export type ThemeChoice = (typeof THEME_CHOICES)[number];

function isThemeChoice(value: unknown): value is ThemeChoice {
  return typeof value === 'string' && (THEME_CHOICES as readonly string[]).includes(value);
}

export function loadTheme(): ThemeChoice {
  try {
    const stored = globalThis.localStorage?.getItem(THEME_STORAGE_KEY);
    return isThemeChoice(stored) ? stored : 'system';
  } catch {
    // Storage refused (privacy settings): the system's preference still applies.
    return 'system';
  }
}

/** Applies a choice to the page and remembers it for the next visit. */
export function chooseTheme(choice: ThemeChoice, root: HTMLElement = document.documentElement): void {
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
  try {
    if (choice === 'system') globalThis.localStorage?.removeItem(THEME_STORAGE_KEY);
    else globalThis.localStorage?.setItem(THEME_STORAGE_KEY, choice);
  } catch {
    // Not remembered, but applied for this visit.
  }
}
