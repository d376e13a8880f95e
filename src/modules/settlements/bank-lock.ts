// Every settlement write of one bank — computing a draft (by a finance officer or the scheduled job),
// submitting, approving, rejecting, paying — runs under that bank's settlement lock, taken FIRST in
// its transaction, before any batch row lock. A bank's batches share its corrections (an adjustment
// line for an earlier approved period can sit in several drafts), so locking only the batch row lets
// two approvals of one correction, or a draft computed while another batch is being approved, miss
// each other (issue 6 review): both would pay the correction. Under the bank lock the writes of one
// bank follow one another, and each one's statements (READ COMMITTED: a snapshot per statement) see
// everything the previous one committed.
//
// The lock is a transaction-scoped advisory lock, not the institutions row: registering a loan takes
// FOR KEY SHARE on its bank's row through the foreign key, and a lock on that row would stall it.
// One lock order everywhere (banks by ascending key, then batch rows) keeps waiting free of deadlocks.
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { invariant } from '../../core';

/**
 * The first of the two int4 advisory-lock keys. Two-int keys share a key space with the job runner's
 * (7_310_200 + job lockId, day), and none of those reaches 7_310_300; the one-bigint keys of start-up,
 * delinquency and targets live in a separate key space.
 */
export const BANK_SETTLEMENT_LOCK_NAMESPACE = 7_310_300;

/** The second key: the first 32 bits of the SHA-256 of the bank id. Two banks sharing one only wait on each other. */
export function bankSettlementLockKey(bankId: string): number {
  return createHash('sha256').update(bankId).digest().readInt32BE(0);
}

/**
 * Takes the settlement lock of each bank, in ascending key order, for the rest of the caller's
 * transaction, and returns PostgreSQL's clock read once all are held. That clock, not the instance's,
 * stamps computed_at and approved_at: the stale-adjustment check compares them, and instances' clocks
 * differ; read after the lock, it orders the stamps as the locks order the transactions.
 */
export async function lockBanksForSettlement(manager: EntityManager, bankIds: readonly string[]): Promise<Date> {
  invariant(manager.queryRunner?.isTransactionActive === true, 'a bank settlement lock is taken inside a transaction');
  const keys = [...new Set(bankIds.map(bankSettlementLockKey))].sort((a, b) => a - b);
  for (const key of keys) await manager.query('SELECT pg_advisory_xact_lock($1, $2)', [BANK_SETTLEMENT_LOCK_NAMESPACE, key]);
  const [{ now }] = await manager.query('SELECT clock_timestamp() AS now');
  return now as Date;
}
