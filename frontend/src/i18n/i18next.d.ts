// `t()` keys are checked at compile time against the English strings: a key that English
// lacks does not build. (Other languages are checked against English by locales.test.ts.)
import 'i18next';
import type { en } from './en';

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'common';
    resources: typeof en;
  }
}
