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

/**
 * Writes one audit entry with the same manager as the change it describes, so both commit or
 * neither does (SPEC §9).
 */
export async function recordAudit(manager: EntityManager, context: RequestContext, change: AuditChange): Promise<void> {
  const entry: Partial<AuditEntry> = {
    actorUserId: context.user?.id ?? null,
    actorRole: context.user?.role ?? null,
    action: change.action,
    entityType: change.entityType,
    entityId: change.entityId,
    before: (change.before ? redact(change.before) : null) as Record<string, unknown> | null,
    after: (change.after ? redact(change.after) : null) as Record<string, unknown> | null,
    requestId: context.requestId || null,
    regionPath: change.regionPath ?? null,
    institutionId: change.institutionId ?? null,
  };
  // jsonb columns: TypeORM's deep-partial typing cannot express an arbitrary JSON object.
  await manager.getRepository(AuditEntry).insert(entry as never);
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
