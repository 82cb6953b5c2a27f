// Sets Mantine's colour-scheme attribute before React mounts, so a saved dark theme does
// not flash light. The key is Mantine's localStorageColorSchemeManager default.
(function () {
  try {
    var saved = window.localStorage.getItem('mantine-color-scheme-value');
    var scheme =
      saved === 'light' || saved === 'dark'
        ? saved
        : window.matchMedia('(prefers-color-scheme: dark)').matches
          ? 'dark'
          : 'light';
    document.documentElement.setAttribute('data-mantine-color-scheme', scheme);
  } catch (e) {
    /* storage unavailable: Mantine falls back to its default */
  }
})();
