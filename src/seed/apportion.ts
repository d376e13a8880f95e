/**
 * Splits a whole number into whole shares proportional to `weights`, adding up to `total` exactly
 * (largest remainder; ties go to the earlier share). Used for households per village and for the
 * target breakdown, whose county and bank lines must add up to the city's.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new Error('apportion needs a whole, non-negative total');
  const weightSum = weights.reduce((sum, w) => sum + w, 0);
  if (weights.length === 0 || weightSum <= 0) throw new Error('apportion needs positive weights');
  const exact = weights.map((w) => (total * w) / weightSum);
  const shares = exact.map((x) => Math.floor(x));
  let left = total - shares.reduce((sum, n) => sum + n, 0);
  const order = exact.map((x, i) => ({ i, remainder: x - Math.floor(x) })).sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  for (const { i } of order) {
    if (left === 0) break;
    shares[i]! += 1;
    left -= 1;
  }
  return shares;
}
