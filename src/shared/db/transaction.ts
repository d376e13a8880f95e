import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs a use case in one transaction. Services open it, lock what they change
 * (SELECT … FOR UPDATE), and write; a thrown error rolls everything back.
 */
export function inTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  // READ COMMITTED without naming it: every pooled connection starts with it as its default
  // (data-source.ts), and naming it here made TypeORM send a SET TRANSACTION after every START
  // TRANSACTION, one round trip per use case for nothing.
  return dataSource.transaction(work);
}
