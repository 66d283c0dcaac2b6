/**
 * Exact sums of non-negative fractions for the window report, and the rounding of the NHT API
 * (spec/metrics.md §3): computed from integer milliseconds, rounded once, half away from zero.
 */
import type { Ratio } from '../domain/nht.js';
import { roundHalfAwayFromZero } from '../domain/nht.js';

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/**
 * A sum of fractions n / d, kept exact. Terms are grouped by denominator (few distinct ones:
 * an agent's maxSlots lcm × its messages in an hour) and combined over their lcm only when read,
 * so a month of agent-hours costs one BigInt addition per term.
 *
 * @example const s = new ExactSum(); s.add(1n, 2n); s.add(1n, 3n); s.value() // { n: 5n, d: 6n }
 */
export class ExactSum {
  private readonly byDenominator = new Map<bigint, bigint>();

  add(n: bigint, d: bigint): void {
    if (n === 0n) return;
    const g = gcd(n, d);
    const dd = d / g;
    this.byDenominator.set(dd, (this.byDenominator.get(dd) ?? 0n) + n / g);
  }

  addRatio(r: Ratio): void {
    this.add(r.n, r.d);
  }

  addSum(other: ExactSum): void {
    for (const [d, n] of other.byDenominator) this.byDenominator.set(d, (this.byDenominator.get(d) ?? 0n) + n);
  }

  value(): Ratio {
    let d = 1n;
    for (const den of this.byDenominator.keys()) d = (d / gcd(d, den)) * den;
    let n = 0n;
    for (const [den, num] of this.byDenominator) n += num * (d / den);
    return { n, d };
  }
}

/** r milliseconds ÷ count as seconds with 2 decimals (1005 ms → 1.01); −1 when count is 0. */
export function meanSeconds(r: Ratio, count: number | bigint): number {
  const c = BigInt(count);
  if (c === 0n) return -1;
  return Number(roundHalfAwayFromZero(r.n, r.d * c * 10n)) / 100;
}

/** r milliseconds as seconds with 2 decimals. */
export function seconds(r: Ratio): number {
  return meanSeconds(r, 1);
}

/** r ÷ total with 4 decimals; −1 when total is 0. */
export function ratio4(r: Ratio, total: number | bigint): number {
  const t = BigInt(total);
  if (t === 0n) return -1;
  return Number(roundHalfAwayFromZero(r.n * 10_000n, r.d * t)) / 10_000;
}
