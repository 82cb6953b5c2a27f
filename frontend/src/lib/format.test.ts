import { afterEach, describe, expect, it } from 'vitest';
import { setLanguage } from '../i18n';
import { formatBytes } from './bytes';
import { formatNumber, formatTime } from './format';

describe('formatting follows the dashboard language', () => {
  afterEach(async () => {
    await setLanguage('en');
  });

  it('writes bytes in binary units with the locale decimal separator', async () => {
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(20_989_073)).toBe('20.0 MiB');
    await setLanguage('ru');
    expect(formatBytes(1536)).toBe('1,50 КиБ');
    await setLanguage('sr-Latn');
    expect(formatBytes(1536)).toBe('1,50 KiB');
    await setLanguage('zh-Hans');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(null)).toBe('—');
  });

  it('writes dates and numbers the locale way', async () => {
    const at = '2026-12-03T10:00:00Z';
    const english = formatTime(at, { month: 'long', timeZone: 'UTC' });
    expect(english).toBe('December');
    await setLanguage('ru');
    expect(formatTime(at, { month: 'long', timeZone: 'UTC' })).toBe('декабрь');
    expect(formatNumber(1234567.5)).toBe('1 234 567,5'.replace(/ /g, '\u00a0'));
    await setLanguage('zh-Hans');
    expect(formatTime(at, { month: 'long', timeZone: 'UTC' })).toBe('十二月');
  });

  it('keeps the choice', async () => {
    await setLanguage('ru');
    expect(window.localStorage.getItem('dist-btrfs.language')).toBe('ru');
    expect(document.documentElement.lang).toBe('ru');
  });
});
