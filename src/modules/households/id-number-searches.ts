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
 * refused as a duplicate, by the API or an import row — are searches of the register too. Without a
 * limit a county could test any number in the city by trying to register it (404 from the lookup,
 * 409 from a create). So a request naming ID numbers first asks how many searches the user has left
 * (searchesLeft): with none it is 429 whatever the numbers are, so that the refusal itself tells
 * nothing; and each "already registered" it then answers is recorded as a search (recordRegisteredAnswers).
 */
export async function searchesLeft(dataSource: DataSource, perHour: number, userId: string): Promise<number> {
  const [recent]: Array<{ searches: number; minutes: number | null }> = await dataSource.query(RECENT_SEARCHES_SQL, [userId]);
  const left = perHour - recent.searches;
  if (left <= 0) {
    const minutes = Math.max(1, recent.minutes ?? 60);
    throw new DomainError(
      'RATE_LIMITED',
      `too many searches by ID number (${perHour} an hour), and a household registered or corrected with one may answer one; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`,
    );
  }
  return left;
}

/** Records `answers` "already registered" answers as searches of the user (no household shown). */
export async function recordRegisteredAnswers(dataSource: DataSource, userId: string, answers: number): Promise<void> {
  if (answers <= 0) return;
  await dataSource.query(`INSERT INTO id_number_searches (user_id, household_id) SELECT $1, NULL FROM generate_series(1, $2::int)`, [userId, answers]);
}

/**
 * A loan registration refused after its household borrower was judged (age and status at a contract
 * date of the caller's choosing) has answered something about that household — stepped across a
 * birthday, the age rule tells the birth date the register masks. So such a refusal is recorded as a
 * search of that household; once the user's searches of the hour are used up, the refusal is 429 and
 * says nothing more. (A registration that succeeds is a loan, recorded and audited.)
 */
export async function recordJudgedRefusal(dataSource: DataSource, perHour: number, userId: string, householdIds: readonly string[]): Promise<void> {
  if (householdIds.length === 0) return;
  await inTransaction(dataSource, async (manager) => {
    const recent = await lockedRecentSearches(manager, userId);
    if (recent.searches + householdIds.length > perHour) {
      const minutes = Math.max(1, recent.minutes ?? 60);
      throw new DomainError(
        'RATE_LIMITED',
        `too many refused registrations and searches by ID number (${perHour} an hour): a refusal judges the borrower, as a search does; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`,
      );
    }
    await manager.query(`INSERT INTO id_number_searches (user_id, household_id) SELECT $1, unnest($2::uuid[])`, [userId, householdIds]);
  });
}

/**
 * Records searches of these households (a refused import's judged borrowers, in file order) as far as
 * the user's searches of the hour go, under the user's lock so that concurrent files share one
 * allowance; returns how many were recorded: the rows that may be told.
 */
export async function recordSearchesUpToLimit(dataSource: DataSource, perHour: number, userId: string, householdIds: readonly string[]): Promise<number> {
  if (householdIds.length === 0) return 0;
  return inTransaction(dataSource, async (manager) => {
    const recent = await lockedRecentSearches(manager, userId);
    const told = householdIds.slice(0, Math.max(0, perHour - recent.searches));
    if (told.length > 0) await manager.query(`INSERT INTO id_number_searches (user_id, household_id) SELECT $1, unnest($2::uuid[])`, [userId, told]);
    return told.length;
  });
}

/**
 * Takes the user's search lock for the transaction (searches of a burst are counted one after the
 * other, each seeing the ones before it committed) and reads the searches of the last hour, with the
 * minutes until the oldest of them leaves it.
 */
async function lockedRecentSearches(manager: EntityManager, userId: string): Promise<{ searches: number; minutes: number | null }> {
  await manager.query(`SELECT pg_advisory_xact_lock(${ID_SEARCH_LOCK}, hashtext($1))`, [userId]);
  const [recent]: Array<{ searches: number; minutes: number | null }> = await manager.query(RECENT_SEARCHES_SQL, [userId]);
  return recent!;
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
    const recent = await lockedRecentSearches(manager, userId);
    if (recent.searches >= perHour) {
      const minutes = Math.max(1, recent.minutes ?? 60);
      throw new DomainError('RATE_LIMITED', `too many searches by ID number (${perHour} an hour); try again in ${minutes} minute${minutes === 1 ? '' : 's'}`);
    }
    const { answer, shown } = await search(manager);
    await manager.query(`INSERT INTO id_number_searches (user_id, household_id) VALUES ($1, $2)`, [userId, shown]);
    return answer;
  });
}
