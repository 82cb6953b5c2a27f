// Growth rates from a series of samples: the change between the oldest and the newest
// sample that carry a figure, per day. Nothing (null) when fewer than two carry it or
// they are less than an hour apart: a rate from minutes of history says nothing.

export interface Timed {
  sampled_at: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The change of `value` per day over the samples (oldest first or not), or null. */
export function perDay<T extends Timed>(samples: T[], value: (s: T) => number | null | undefined): number | null {
  const known = samples
    .map((s) => ({ at: Date.parse(s.sampled_at), v: value(s) }))
    .filter((x): x is { at: number; v: number } => x.v != null && !Number.isNaN(x.at))
    .sort((a, b) => a.at - b.at);
  if (known.length < 2) return null;
  const first = known[0]!;
  const last = known[known.length - 1]!;
  const span = last.at - first.at;
  if (span < HOUR_MS) return null;
  return ((last.v - first.v) * DAY_MS) / span;
}
