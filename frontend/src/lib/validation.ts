/** Mirrors the server's display-name rule (domain::names::DisplayName): 1-64 characters
 *  after trimming, no control characters. Returns an error message, or null when valid. */
export const INSTANCE_NAME_MAX = 64;

export function validateInstanceName(raw: string): string | null {
  const name = raw.trim();
  const length = [...name].length;
  if (length === 0) return 'Enter a name.';
  if (length > INSTANCE_NAME_MAX) {
    return `Use at most ${INSTANCE_NAME_MAX} characters (this one has ${length}).`;
  }
  if (/\p{Cc}/u.test(name)) return 'The name must not contain control characters.';
  return null;
}

/** Mirrors the server's password rules (domain::auth::check_new_password) that can be
 *  checked here: 12+ characters, at most 1,024 bytes, no control characters. Whether a
 *  password is too common only the server says (its `field`-tagged problem). */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX_BYTES = 1024;

export function passwordProblem(password: string): string | null {
  if ([...password].length < PASSWORD_MIN) return `At least ${PASSWORD_MIN} characters.`;
  if (new TextEncoder().encode(password).length > PASSWORD_MAX_BYTES) {
    return `At most ${PASSWORD_MAX_BYTES} bytes.`;
  }
  if (/\p{Cc}/u.test(password)) return 'No control characters.';
  return null;
}
