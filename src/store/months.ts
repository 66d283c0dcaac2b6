/**
 * UTC calendar months, the unit of time partitioning (PostgreSQL) and of retention (every store:
 * both remove whole months, so they answer alike after `wfm retention`).
 */

/** A month as one integer: year × 12 + (month − 1), in UTC. */
export function monthOf(ms: number): number {
  const d = new Date(ms);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/** [from, to) in epoch ms of a month from {@link monthOf}. */
export function monthBounds(month: number): { from: number; to: number } {
  const year = Math.floor(month / 12);
  const m = month - year * 12;
  return { from: Date.UTC(year, m, 1), to: Date.UTC(year, m + 1, 1) };
}

/**
 * What retention with a cutoff keeps: everything from the start of the UTC month holding the
 * cutoff on; whole months before it go.
 *
 * @example retentionBoundary(Date.UTC(2026, 7, 29, 19, 55)) === Date.UTC(2026, 7, 1)
 */
export function retentionBoundary(cutoffMs: number): number {
  return monthBounds(monthOf(cutoffMs)).from;
}
