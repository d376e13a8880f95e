import type { EntityManager } from 'typeorm';
import type { IsoDate } from '../../core/dates';
import type { AuthenticatedContext } from '../../shared/auth/context';
import type { CheckedRow, ProblemLog } from './rows';

/** One kind's import, inside the transaction: check every row in bulk, then write them all or nothing. */
export interface ImportJob<T> {
  manager: EntityManager;
  context: AuthenticatedContext;
  rows: Array<CheckedRow<T>>;
  problems: ProblemLog;
  today: IsoDate;
}

export interface ImportSummary {
  rowsImported: number;
  /** Counts for the import's audit entry, e.g. how many were designated demonstration households. */
  counts: Record<string, number>;
  /** The region paths of the imported records, to file the audit entry under. */
  regionPaths: string[];
  /** Whose records they are (a bank's loan ledger), so that its own staff can read the audit entry. */
  institutionId?: string;
}
