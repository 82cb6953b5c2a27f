// jsdom lacks a few browser APIs Mantine uses; these are the stubs Mantine's docs recommend.
import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';
import { i18n } from '../i18n';

// findBy*/waitFor give up after 1 s by default: too short on a loaded, shared machine.
configure({ asyncUtilTimeout: 5_000 });

afterEach(() => {
  cleanup();
  window.localStorage.clear();
  if (i18n.language !== 'en') void i18n.changeLanguage('en');
  document.documentElement.removeAttribute('data-mantine-color-scheme');
});

const { getComputedStyle } = window;
window.getComputedStyle = (elt) => getComputedStyle(elt);
HTMLElement.prototype.scrollIntoView = () => {};

Object.defineProperty(window, 'matchMedia', {
  writable: true,
  value: (query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  }),
});

class ResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}
window.ResizeObserver = ResizeObserver;
