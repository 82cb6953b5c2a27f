// The English strings, bundled with the app (every other language loads when chosen). One
// import per namespace; the type of `en` is what `t()` keys are checked against (see
// i18next.d.ts), and locales.test.ts checks this list against the files in locales/en.
import common from './locales/en/common.json';
import components from './locales/en/components.json';
import events from './locales/en/events.json';
import layout from './locales/en/layout.json';
import notifications from './locales/en/notifications.json';
import overview from './locales/en/overview.json';
import policies from './locales/en/policies.json';
import replication from './locales/en/replication.json';
import restore from './locales/en/restore.json';
import servers from './locales/en/servers.json';
import subvolumes from './locales/en/subvolumes.json';
import tokens from './locales/en/tokens.json';
import users from './locales/en/users.json';
import validation from './locales/en/validation.json';

export const en = {
  common,
  components,
  events,
  layout,
  notifications,
  overview,
  policies,
  replication,
  restore,
  servers,
  subvolumes,
  tokens,
  users,
  validation,
};

export type Namespace = keyof typeof en;
