/**
 * Demo amounts are whole numbers of fen (integers, never floats) written as exact yuan text,
 * '3600.00', which the numeric(14,2) columns take as they are.
 */
export function formatCents(cents: number): string {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new Error('formatCents needs a whole, non-negative number of fen');
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}
