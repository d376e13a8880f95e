import crypto from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { named } from '../../shared/db/prepared';
import { DomainError } from '../../shared/http/errors';

// Every idempotent write claims a key: prepared (shared/db/prepared.ts).
const CLAIM_KEY = named(
  'idempotency-claim',
  `INSERT INTO idempotency_records (scope, key, request_hash) VALUES ($1, $2, $3)
   ON CONFLICT (scope, key) DO NOTHING RETURNING key`,
);
const STORE_ANSWER_SQL = 'UPDATE idempotency_records SET response_status = $3, response_body = $4 WHERE scope = $1 AND key = $2';

export type IdempotentOutcome = { replay: true; status: number; body: unknown } | { replay: false };

/** JSON with object keys sorted, so that equal requests hash equally whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function hashRequest(request: unknown): string {
  return crypto.createHash('sha256').update(canonicalJson(request)).digest('hex');
}

/**
 * Claims an idempotency key inside the caller's transaction. The first request inserts the key and
 * goes on; a concurrent request with the same key waits on the unique key until the first commits
 * (then it replays the stored answer) or rolls back (then it claims the key itself). A key reused
 * for a different request is refused.
 */
export async function claimIdempotencyKey(manager: EntityManager, scope: string, key: string, requestHash: string): Promise<IdempotentOutcome> {
  const inserted: unknown[] = await manager.query(CLAIM_KEY, [scope, key, requestHash]);
  if (inserted.length > 0) return { replay: false };
  return replayOrRefuse(manager, scope, key, requestHash);
}

/**
 * claimIdempotencyKey, with a read-only SELECT of the use case (`alongside`, one row, its own
 * parameters first) run in the same statement: the use case's look-ups cost no round trip of their
 * own. Its row is returned whether or not the key was claimed; a replay ignores it. The statement
 * is prepared under `alongside.name`, which must name one fixed SQL text.
 */
export async function claimIdempotencyKeyWith(
  manager: EntityManager,
  scope: string,
  key: string,
  requestHash: string,
  alongside: { name: string; sql: string; params: unknown[] },
): Promise<{ outcome: IdempotentOutcome; row: Record<string, any> }> {
  const n = alongside.params.length;
  const [row]: Array<Record<string, any>> = await manager.query(
    named(
      alongside.name,
      `WITH claim AS (
         INSERT INTO idempotency_records (scope, key, request_hash) VALUES ($${n + 1}, $${n + 2}, $${n + 3})
         ON CONFLICT (scope, key) DO NOTHING RETURNING key
       )
       SELECT EXISTS (SELECT 1 FROM claim) AS idempotency_claimed, alongside.* FROM (${alongside.sql}) AS alongside`,
    ),
    [...alongside.params, scope, key, requestHash],
  );
  if (row!.idempotency_claimed) return { outcome: { replay: false }, row: row! };
  return { outcome: await replayOrRefuse(manager, scope, key, requestHash), row: row! };
}

async function replayOrRefuse(manager: EntityManager, scope: string, key: string, requestHash: string): Promise<IdempotentOutcome> {
  const [existing] = await manager.query(named('idempotency-read', 'SELECT request_hash, response_status, response_body FROM idempotency_records WHERE scope = $1 AND key = $2'), [
    scope,
    key,
  ]);
  if (!existing || existing.request_hash !== requestHash) {
    throw new DomainError('RULE_VIOLATION', 'this Idempotency-Key was already used for a different request', [
      { field: 'Idempotency-Key', rule: 'IDEMPOTENCY_KEY_REUSED', message: 'use a new key for a new request' },
    ]);
  }
  return { replay: true, status: existing.response_status, body: existing.response_body };
}

/**
 * Stores the answer to replay. `alongside`, when given, is other writes of the same use case (e.g.
 * its audit entry), numbered from parameter 5, run in the same statement as WITH parts: one round
 * trip instead of several, and all still commit or roll back with the caller's transaction. The
 * statement is prepared under `alongside.name`, which must name one fixed SQL text.
 */
export async function storeIdempotentResponse(
  manager: EntityManager,
  scope: string,
  key: string,
  status: number,
  body: unknown,
  alongside?: { name: string; parts: Array<(firstParam: number) => { sql: string; params: unknown[] }> },
): Promise<void> {
  const params: unknown[] = [scope, key, status, JSON.stringify(body)];
  if (!alongside) {
    await manager.query(STORE_ANSWER_SQL, params);
    return;
  }
  const withParts: string[] = [];
  for (const [i, part] of alongside.parts.entries()) {
    const { sql, params: partParams } = part(params.length + 1);
    withParts.push(`part_${i} AS (${sql})`);
    params.push(...partParams);
  }
  await manager.query(named(alongside.name, `WITH ${withParts.join(', ')} ${STORE_ANSWER_SQL}`), params);
}
