import { describe, expect, it } from 'vitest';
import { isLanguage, matchLanguage } from './languages';

describe('matchLanguage', () => {
  it('picks the first preferred language we serve', () => {
    expect(matchLanguage(['de-DE', 'ru-RU', 'en'])).toBe('ru');
    expect(matchLanguage(['sr-Cyrl-RS'])).toBe('sr-Latn');
    expect(matchLanguage(['sr'])).toBe('sr-Latn');
    expect(matchLanguage(['zh-CN'])).toBe('zh-Hans');
    expect(matchLanguage(['zh'])).toBe('zh-Hans');
  });
  it('does not serve Simplified Chinese to a Traditional preference, and falls back to English', () => {
    expect(matchLanguage(['zh-TW'])).toBe('en');
    expect(matchLanguage(['zh-Hant-HK', 'fr'])).toBe('en');
    expect(matchLanguage([])).toBe('en');
  });
  it('knows its own tags only', () => {
    expect(isLanguage('sr-Latn')).toBe(true);
    expect(isLanguage('sr')).toBe(false);
    expect(isLanguage(null)).toBe(false);
  });
});
