// The settlement engine (SPEC §6.2–§6.3, §7, issue 6 item 1): a stream of priced lines for a bank
// and a period, chunk by chunk, built from settlement-source.ts (I/O) and subsidy-line.ts (pure).
// The reference form of the rule: the adjustments (adjustments.ts) and GET /loans/:id/subsidy go
// through here; a batch's regular lines are computed set-based by regular-lines.sql.ts, and
// test/integration/settlement-engine.test.ts proves the two agree line by line.
import type { EntityManager } from 'typeorm';
import type { SettlementPeriod } from '../../core';
import { loadModelVersions, streamLoanFacts, type LoanHeader, type LoanSelection, type ModelVersions } from './settlement-source';
import { computeSubsidyLine, type SubsidyLine } from './subsidy-line';

export interface EngineLine {
  loan: LoanHeader;
  /** Null when the loan has no charged day in the period (it is then not a line). */
  line: SubsidyLine | null;
}

/** Yields every selected loan with its line for the period, one chunk of loans at a time. */
export async function* computeLines(
  manager: EntityManager,
  selection: LoanSelection,
  period: SettlementPeriod,
  versions?: ModelVersions,
): AsyncGenerator<EngineLine[]> {
  const parameters = versions ?? (await loadModelVersions(manager));
  for await (const chunk of streamLoanFacts(manager, selection, period, parameters)) {
    yield chunk.map(({ loan, facts }) => ({ loan, line: computeSubsidyLine(facts, period) }));
  }
}

/** One loan's line for a period, or null when the loan is not disbursed or has no day in it. */
export async function computeLoanLine(manager: EntityManager, loanId: string, period: SettlementPeriod): Promise<EngineLine | null> {
  for await (const chunk of computeLines(manager, { loanId }, period)) {
    return chunk[0] ?? null;
  }
  return null;
}
