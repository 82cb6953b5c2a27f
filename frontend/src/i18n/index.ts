// The dashboard's translations: i18next with English bundled, the other languages loaded
// when chosen, the choice kept in localStorage, and the locale that dates, numbers and byte
// sizes are formatted in (lib/format.ts, lib/bytes.ts read `locale()`).
//
// What this module does not do: translate what the server says. Event summaries, problem
// details and fleet-status summaries arrive rendered in English and are shown as they come.
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { DEFAULT_LANGUAGE, isLanguage, LANGUAGES, type Language, matchLanguage } from './languages';

export { LANGUAGES, type Language } from './languages';

const STORAGE_KEY = 'dist-btrfs.language';

// Every language but English, one chunk per file, fetched on first use.
const bundles = import.meta.glob<Record<string, unknown>>(['./locales/*/*.json', '!./locales/en/*.json'], {
  import: 'default',
});

export const i18n = i18next.createInstance();

void i18n.use(initReactI18next).init({
  resources: { en },
  lng: DEFAULT_LANGUAGE,
  fallbackLng: DEFAULT_LANGUAGE,
  supportedLngs: LANGUAGES.map((l) => l.code),
  load: 'currentOnly',
  ns: Object.keys(en),
  defaultNS: 'common',
  initAsync: false,
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
});

/** Fetches a language's strings into i18n (a no-op for English or when already there). */
async function load(language: Language): Promise<void> {
  if (language === DEFAULT_LANGUAGE || i18n.hasResourceBundle(language, 'common')) return;
  const prefix = `./locales/${language}/`;
  await Promise.all(
    Object.entries(bundles)
      .filter(([path]) => path.startsWith(prefix))
      .map(async ([path, bundle]) => {
        const ns = path.slice(prefix.length, -'.json'.length);
        i18n.addResourceBundle(language, ns, await bundle(), true, true);
      }),
  );
}

/** Switches the dashboard to `language` (fetching it first) and keeps the choice. */
export async function setLanguage(language: Language): Promise<void> {
  await load(language);
  try {
    window.localStorage.setItem(STORAGE_KEY, language);
  } catch {
    // private mode without storage: the choice lasts for this page only
  }
  await i18n.changeLanguage(language);
  document.documentElement.lang = language;
}

/** The kept choice, else the browser's preference. */
export function preferredLanguage(): Language {
  let kept: string | null = null;
  try {
    kept = window.localStorage.getItem(STORAGE_KEY);
  } catch {
    kept = null;
  }
  return isLanguage(kept) ? kept : matchLanguage(navigator.languages ?? [navigator.language]);
}

/** Before the first render: the preferred language, loaded (English needs no fetch). */
export async function startLanguage(): Promise<void> {
  const language = preferredLanguage();
  if (language === DEFAULT_LANGUAGE) {
    document.documentElement.lang = language;
    return;
  }
  try {
    await setLanguage(language);
  } catch {
    // a chunk that fails to load leaves the dashboard in English rather than blank
  }
}

/** The current language, for Intl formatters. */
export function locale(): Language {
  const current = i18n.language;
  return isLanguage(current) ? current : DEFAULT_LANGUAGE;
}

/** `t` outside React (plain functions in lib/); components use `useTranslation`. */
export const t = i18n.t.bind(i18n);
