// The dashboard's languages, and which one a browser's preferences pick. Pure data and a
// pure function: what loads the strings and switches the language is index.ts.

/** Each language by its BCP 47 tag, with its name in itself (as a language menu shows it). */
export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'sr-Latn', name: 'Srpski' },
  { code: 'ru', name: 'Русский' },
  { code: 'zh-Hans', name: '简体中文' },
] as const;

export type Language = (typeof LANGUAGES)[number]['code'];

export const DEFAULT_LANGUAGE: Language = 'en';

export function isLanguage(tag: string | null | undefined): tag is Language {
  return LANGUAGES.some((l) => l.code === tag);
}

/** The first of the browser's preferred tags that one of ours serves, else English.
 *  Serbian in either script gets the Latin one; Chinese gets Simplified unless the tag
 *  asks for Traditional (zh-Hant, zh-TW, zh-HK, zh-MO), which we do not have. */
export function matchLanguage(tags: readonly string[]): Language {
  for (const raw of tags) {
    const tag = raw.toLowerCase();
    const primary = tag.split('-')[0];
    if (primary === 'en') return 'en';
    if (primary === 'sr') return 'sr-Latn';
    if (primary === 'ru') return 'ru';
    if (primary === 'zh' && !/-(hant|tw|hk|mo)\b/.test(tag)) return 'zh-Hans';
  }
  return DEFAULT_LANGUAGE;
}
