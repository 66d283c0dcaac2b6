/** Splitting a stream of events into batches for arrival-order property tests. */

/**
 * Contiguous slices of `events` cut at the given points, each a fraction of 10,000 of the length
 * (duplicate and empty cuts collapse); in stream order.
 *
 * @example contiguousBatches([a, b, c, d], [5_000]) // [[a, b], [c, d]]
 */
export function contiguousBatches<T>(events: readonly T[], cuts: readonly number[]): T[][] {
  const points = [...new Set(cuts.map((c) => Math.floor((c / 10_000) * events.length)))].sort((a, b) => a - b);
  const batches: T[][] = [];
  let prev = 0;
  for (const p of [...points, events.length]) {
    if (p > prev) batches.push(events.slice(prev, p));
    prev = p;
  }
  return batches;
}
