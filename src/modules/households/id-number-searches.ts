import type { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../../shared/db/transaction';
import { DomainError } from '../../shared/http/errors';

/** Advisory-lock class (first key) of one user's ID-number searches (second key: hashtext of the user id). */
const ID_SEARCH_LOCK = 7310403;

/** What a search showed: its answer, and the household it showed (null: none, or none in scope). */
export interface SearchResult<T> {
  answer: T;
  shown: string | null;
}

/**
 * Runs a search of the register by resident ID number under the user's hourly limit and records it,
 * with the household it showed (IdNumberSearch). An account cannot then run through ID numbers to
 * learn who is registered as poor faster than `perHour` a user, on any number of instances. Counting,
 * searching and recording run in one transaction under an advisory lock on the user, so that the
 * searches of a burst are counted one after the other, each seeing the ones before it committed.
 * A search that finds nothing is recorded too (the caller answers 404 after it); a refused one
 * (429 RATE_LIMITED) is not: it searched nothing.
 */
/**
 * Answers that tell a caller an ID number is already registered — a new or corrected household
 * refused as a duplicate, by the API or an import row — are searches of the register too: each counts
 * against the user's hourly limit and is recorded (no household shown). With none left for them all,
 * 429 RATE_LIMITED replaces the answer and nothing is recorded. Without this a county could test any
 * number in the city, without limit, by trying to register it (404 from the lookup, 409 from a create).
 */
export async function countRegisteredIdNumberAnswers(dataSource: DataSource, perHour: number, userId: string, answers: number): Promise<void> {
  if (answers <= 0) return;
  await inTransaction(dataSource, async (manager) => {
    await manager.query(`SELECT pg_advisory_xact_lock(${ID_SEARCH_LOCK}, hashtext($1))`, [userId]);
    const [recent]: Array<{ searches: number; minutes: number | null }> = await manager.query(RECENT_SEARCHES_SQL, [userId]);
    if (recent.searches + answers > perHour) {
      const minutes = Math.max(1, recent.minutes ?? 60);
      const left = Math.max(0, perHour - recent.searches);
      throw new DomainError(
        'RATE_LIMITED',
        `${answers === 1 ? 'the ID number is' : `${answers} ID numbers are`} already registered, and saying so counts as a search by ID number (${perHour} an hour, ${left} left); try again in ${minutes} minute${minutes === 1 ? '' : 's'}`,
      );
    }
    await manager.query(`INSERT INTO id_number_searches (user_id, household_id) SELECT $1, NULL FROM generate_series(1, $2::int)`, [userId, answers]);
  });
}

const RECENT_SEARCHES_SQL = `SELECT count(*)::int AS searches,
              ceil(extract(epoch FROM min(searched_at) + interval '1 hour' - now()) / 60)::int AS minutes
         FROM id_number_searches
        WHERE user_id = $1 AND searched_at > now() - interval '1 hour'`;

export async function limitedIdNumberSearch<T>(
  dataSource: DataSource,
  perHour: number,
  userId: string,
  search: (manager: EntityManager) => Promise<SearchResult<T>>,
): Promise<T> {
  return inTransaction(dataSource, async (manager) => {
    await manager.query(`SELECT pg_advisory_xact_lock(${ID_SEARCH_LOCK}, hashtext($1))`, [userId]);
    const [recent]: Array<{ searches: number; minutes: number | null }> = await manager.query(RECENT_SEARCHES_SQL, [userId]);
    if (recent.searches >= perHour) {
      const minutes = Math.max(1, recent.minutes ?? 60);
      throw new DomainError('RATE_LIMITED', `too many searches by ID number (${perHour} an hour); try again in ${minutes} minute${minutes === 1 ? '' : 's'}`);
    }
    const { answer, shown } = await search(manager);
    await manager.query(`INSERT INTO id_number_searches (user_id, household_id) VALUES ($1, $2)`, [userId, shown]);
    return answer;
  });
}
