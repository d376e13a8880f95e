import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs a use case in one transaction. Services open it, lock what they change
 * (SELECT … FOR UPDATE), and write; a thrown error rolls everything back.
 */
export function inTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  return dataSource.transaction('READ COMMITTED', work);
}
