/** Mirrors the server's display-name rule (domain::names::DisplayName): 1-64 characters
 *  after trimming, no control characters. Returns an error message, or null when valid. */
import { t } from '../i18n';

export const INSTANCE_NAME_MAX = 64;

export function validateInstanceName(raw: string): string | null {
  const name = raw.trim();
  const length = [...name].length;
  if (length === 0) return t('validation:name.empty');
  if (length > INSTANCE_NAME_MAX) {
    return t('validation:name.tooLong', { max: INSTANCE_NAME_MAX, length });
  }
  if (/\p{Cc}/u.test(name)) return t('validation:name.control');
  return null;
}

/** Mirrors the server's password rules (domain::auth::check_new_password) that can be
 *  checked here: 12+ characters, at most 1,024 bytes, no control characters. Whether a
 *  password is too common only the server says (its `field`-tagged problem). */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX_BYTES = 1024;

export function passwordProblem(password: string): string | null {
  if ([...password].length < PASSWORD_MIN) return t('validation:password.short', { min: PASSWORD_MIN });
  if (new TextEncoder().encode(password).length > PASSWORD_MAX_BYTES) {
    return t('validation:password.long', { max: PASSWORD_MAX_BYTES });
  }
  if (/\p{Cc}/u.test(password)) return t('validation:password.control');
  return null;
}
