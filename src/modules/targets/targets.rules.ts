/**
 * The rules of the 百千万 task breakdown list (任务分解清单, SPEC §3), pure: the county lines and the
 * bank lines each add up to the city's three targets.
 */
export const MEASURES = ['enterprises', 'demonstrationHouseholds', 'linkedHouseholds'] as const;
export type Measure = (typeof MEASURES)[number];
export type TargetCounts = Record<Measure, number>;

export const MEASURE_TITLES: Record<Measure, { zh: string; en: string }> = {
  enterprises: { zh: '百企带动', en: 'Driving enterprises' },
  demonstrationHouseholds: { zh: '千户示范', en: 'Demonstration households' },
  linkedHouseholds: { zh: '万户联结', en: 'Linked households' },
};

export type Breakdown = 'counties' | 'banks';

export interface BreakdownMismatch {
  field: string;
  rule: 'BREAKDOWN_ADDS_UP';
  message: string;
  breakdown: Breakdown;
  measure: Measure;
  sum: number;
  target: number;
  /** sum − target: negative when the lines fall short of the city's target. */
  difference: number;
}

/** Every measure of every breakdown whose lines do not add up to the city's target. */
export function breakdownMismatches(city: TargetCounts, breakdowns: Record<Breakdown, readonly TargetCounts[]>): BreakdownMismatch[] {
  const mismatches: BreakdownMismatch[] = [];
  for (const breakdown of ['counties', 'banks'] as const) {
    for (const measure of MEASURES) {
      // Counts are integers ≤ 10,000,000 and lines ≤ 200, so these sums are exact in a double.
      const sum = breakdowns[breakdown].reduce((total, line) => total + line[measure], 0);
      const target = city[measure];
      if (sum === target) continue;
      const difference = sum - target;
      mismatches.push({
        field: breakdown,
        rule: 'BREAKDOWN_ADDS_UP',
        message: `the ${breakdown}' ${measure} add up to ${sum}, the city's target is ${target} (${difference > 0 ? '+' : ''}${difference})`,
        breakdown,
        measure,
        sum,
        target,
        difference,
      });
    }
  }
  return mismatches;
}

/** Keys that appear more than once, in the order of their second appearance. */
export function duplicates(keys: readonly string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const key of keys) {
    if (seen.has(key)) repeated.add(key);
    seen.add(key);
  }
  return [...repeated];
}
