// Runs before the first paint (a classic script in <head>; the CSP forbids inline ones): a theme
// the learner chose in the header wins over the system's preference from the first frame.
// Same key and values as app/lib/theme.ts.
try {
  var theme = localStorage.getItem('smtp-lab.theme');
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
} catch (_) {
  // Storage refused: the system's preference applies.
}
