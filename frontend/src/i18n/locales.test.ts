// CI's check that every language has every string: each namespace file exists in every
// language, with the keys English has (plural keys in the forms that language needs, by
// Intl.PluralRules), no keys English dropped, and the same {{placeholders}}.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from './en';
import { LANGUAGES } from './languages';

const dir = join(process.cwd(), 'src', 'i18n', 'locales'); // vitest runs in frontend/
const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (typeof value === 'string') out.set(prefix, value);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}

const read = (language: string, ns: string) =>
  flatten(JSON.parse(readFileSync(join(dir, language, `${ns}.json`), 'utf8')));

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*([\w.]+)/g)].map((m) => m[1] ?? '').sort();

/** English keys as the keys `language` must have, each with the placeholders it may use: a
 *  plural base gets that language's forms, each allowed what any English form uses. */
function expectedKeys(english: Map<string, string>, language: string): Map<string, Set<string>> {
  const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories;
  const out = new Map<string, Set<string>>();
  for (const [key, text] of english) {
    const names = placeholders(text);
    if (!PLURAL.test(key)) {
      out.set(key, new Set(names));
      continue;
    }
    const base = key.replace(PLURAL, '');
    for (const c of categories) {
      const allowed = out.get(`${base}_${c}`) ?? new Set(['count']);
      for (const n of names) allowed.add(n);
      out.set(`${base}_${c}`, allowed);
    }
  }
  return out;
}

describe('translations', () => {
  const namespaces = readdirSync(join(dir, 'en')).map((f) => f.replace(/\.json$/, '')).sort();

  it('bundles every English namespace file', () => {
    expect(Object.keys(en).sort()).toEqual(namespaces);
  });

  for (const { code } of LANGUAGES.filter((l) => l.code !== 'en')) {
    it(`${code} has every key English has, and no other`, () => {
      expect(readdirSync(join(dir, code)).sort()).toEqual(namespaces.map((n) => `${n}.json`));
      const problems: string[] = [];
      for (const ns of namespaces) {
        const expected = expectedKeys(read('en', ns), code);
        const actual = read(code, ns);
        for (const [key, allowed] of expected) {
          const text = actual.get(key);
          const plural = PLURAL.test(key);
          if (text === undefined) problems.push(`${ns}:${key} missing`);
          // react-i18next's <Trans> renders a tag named like a void HTML element (<link>, <br>…) empty
          else if (/<(area|base|br|col|embed|hr|img|input|link|meta|source|track|wbr)>/.test(text)) problems.push(`${ns}:${key} uses a void element as a tag`);
          else if (text.trim() === '') problems.push(`${ns}:${key} empty`);
          else if (placeholders(text).some((n) => !allowed.has(n))) {
            problems.push(`${ns}:${key} uses a placeholder English does not: ${placeholders(text)}`);
          } else if (!plural && [...allowed].some((n) => !placeholders(text).includes(n))) {
            problems.push(`${ns}:${key} drops a placeholder English has: ${[...allowed]}`);
          }
        }
        for (const key of actual.keys()) {
          if (!expected.has(key) && !PLURAL.test(key)) problems.push(`${ns}:${key} not in English`);
        }
      }
      expect(problems).toEqual([]);
    });
  }
});
