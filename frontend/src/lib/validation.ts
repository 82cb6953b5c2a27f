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
