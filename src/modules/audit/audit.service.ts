import type { DataSource, EntityManager } from 'typeorm';
import type { AuthenticatedContext, RequestContext } from '../../shared/auth/context';
import { applyScope, scopeOf } from '../../shared/auth/scope';
import { notFound } from '../../shared/http/errors';
import type { Page, PageOf } from '../../shared/http/schemas';
import { AuditEntry } from './audit-entry.entity';

export interface AuditChange {
  action: string;
  entityType: string;
  entityId: string;
  before?: object | null;
  after?: object | null;
  /** Whose data this is, so that a county auditor sees the county's changes. */
  regionPath?: string | null;
  institutionId?: string | null;
}

/** Keys never written to the audit log, wherever they appear in a snapshot. */
const SECRET_KEYS = new Set(['password', 'passwordHash', 'idNumber', 'idNumberEncrypted', 'token']);

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    if (typeof (value as { toFixed?: unknown }).toFixed === 'function' && 'd' in value) {
      return String(value); // a Decimal: its exact string, never a float
    }
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !SECRET_KEYS.has(key))
        .map(([key, inner]) => [key, redact(inner)]),
    );
  }
  return value;
}

/** A statement with its parameters, numbered from a given first one so it can sit inside another. */
export interface SqlPart {
  sql: string;
  params: unknown[];
}

/**
 * The INSERT of one audit entry, its parameters numbered from `firstParam`: recordAudit runs it on
 * its own, and a use case may run it as a WITH part of its last write (one round trip fewer).
 */
export function auditInsert(context: RequestContext, change: AuditChange, firstParam = 1): SqlPart {
  const values = [
    context.user?.id ?? null,
    context.user?.role ?? null,
    change.action,
    change.entityType,
    change.entityId,
    change.before ? JSON.stringify(redact(change.before)) : null,
    change.after ? JSON.stringify(redact(change.after)) : null,
    context.requestId || null,
    change.regionPath ?? null,
    change.institutionId ?? null,
  ];
  const p = (i: number) => `$${firstParam + i}`;
  return {
    sql: `INSERT INTO audit_log (actor_user_id, actor_role, action, entity_type, entity_id, before, after, request_id, region_path, institution_id)
          VALUES (${p(0)}::uuid, ${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}::jsonb, ${p(6)}::jsonb, ${p(7)}, ${p(8)}, ${p(9)}::uuid)`,
    params: values,
  };
}

/**
 * Writes one audit entry with the same manager as the change it describes, so both commit or
 * neither does (SPEC §9).
 */
export async function recordAudit(manager: EntityManager, context: RequestContext, change: AuditChange): Promise<void> {
  const { sql, params } = auditInsert(context, change);
  await manager.query(sql, params);
}

/** One record of a bulk write: its id, its snapshot after the change, whose data it is. */
export interface AuditedRecord {
  entityId: string;
  after: object;
  regionPath: string | null;
  institutionId?: string | null;
}

/** Records per INSERT of recordAuditForEach: 10,000 records are ten statements. */
const AUDIT_CHUNK_RECORDS = 1_000;

/**
 * One audit entry per record of a bulk write (an import), exactly as recordAudit writes one per
 * change: the same actor, action, entity type and request id, each record's own id, snapshot and
 * region; secrets redacted alike. Set-based (STYLE: bulk work): one INSERT … SELECT FROM unnest per
 * chunk, with the caller's manager so the entries commit with the records or not at all.
 */
export async function recordAuditForEach(
  manager: EntityManager,
  context: RequestContext,
  change: { action: string; entityType: string },
  records: readonly AuditedRecord[],
): Promise<void> {
  // The snapshots go as one JSON array per chunk, not a jsonb[]: an array literal would escape every
  // quote of every snapshot on the way and be unescaped again by PostgreSQL.
  const sql = `INSERT INTO audit_log (actor_user_id, actor_role, action, entity_type, entity_id, after, request_id, region_path, institution_id)
    SELECT $1::uuid, $2, $3, $4, r.entity_id, a.after, $5, r.region_path, r.institution_id
      FROM unnest($6::text[], $7::text[], $8::uuid[]) WITH ORDINALITY AS r(entity_id, region_path, institution_id, n)
      JOIN jsonb_array_elements($9::jsonb) WITH ORDINALITY AS a(after, n) ON a.n = r.n
     ORDER BY r.n`;
  const fixed = [context.user?.id ?? null, context.user?.role ?? null, change.action, change.entityType, context.requestId || null];
  for (let start = 0; start < records.length; start += AUDIT_CHUNK_RECORDS) {
    const chunk = records.slice(start, start + AUDIT_CHUNK_RECORDS);
    await manager.query(sql, [
      ...fixed,
      chunk.map((r) => r.entityId),
      chunk.map((r) => r.regionPath),
      chunk.map((r) => r.institutionId ?? null),
      JSON.stringify(chunk.map((r) => redact(r.after))),
    ]);
  }
}

export interface AuditFilter extends Page {
  entityType?: string;
  entityId?: string;
  actorUserId?: string;
  from?: string;
  to?: string;
}

export interface AuditEntryDto {
  id: string;
  occurredAt: string;
  actorUserId: string | null;
  actorRole: string | null;
  action: string;
  entityType: string;
  entityId: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  requestId: string | null;
}

export class AuditService {
  constructor(private readonly dataSource: DataSource) {}

  async list(context: AuthenticatedContext, filter: AuditFilter): Promise<PageOf<AuditEntryDto>> {
    const query = this.dataSource.getRepository(AuditEntry).createQueryBuilder('a');
    applyScope(query, scopeOf(context.user), { regionPath: 'a.region_path' });
    if (filter.entityType) query.andWhere('a.entity_type = :entityType', { entityType: filter.entityType });
    if (filter.entityId) query.andWhere('a.entity_id = :entityId', { entityId: filter.entityId });
    if (filter.actorUserId) query.andWhere('a.actor_user_id = :actor', { actor: filter.actorUserId });
    // Dates are calendar days in Asia/Shanghai, the programme's timezone.
    if (filter.from) query.andWhere(`a.occurred_at >= (:from::date)::timestamp AT TIME ZONE 'Asia/Shanghai'`, { from: filter.from });
    if (filter.to) query.andWhere(`a.occurred_at < ((:to::date) + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'`, { to: filter.to });
    const [entries, total] = await query.orderBy('a.id', 'DESC').take(filter.limit).skip(filter.offset).getManyAndCount();
    return { items: entries.map(toAuditEntryDto), total, limit: filter.limit, offset: filter.offset };
  }

  /** One entry; outside the caller's region it does not exist for them (404, SPEC §9). */
  async get(context: AuthenticatedContext, id: string): Promise<AuditEntryDto> {
    const query = this.dataSource.getRepository(AuditEntry).createQueryBuilder('a').where('a.id = :id', { id });
    applyScope(query, scopeOf(context.user), { regionPath: 'a.region_path' });
    const entry = await query.getOne();
    if (!entry) throw notFound('audit entry');
    return toAuditEntryDto(entry);
  }
}

const toAuditEntryDto = (e: AuditEntry): AuditEntryDto => ({
  id: e.id,
  occurredAt: e.occurredAt.toISOString(),
  actorUserId: e.actorUserId,
  actorRole: e.actorRole,
  action: e.action,
  entityType: e.entityType,
  entityId: e.entityId,
  before: e.before,
  after: e.after,
  requestId: e.requestId,
});
