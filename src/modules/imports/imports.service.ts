import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { todayInShanghai } from '../../shared/clock';
import { inTransaction } from '../../shared/db/transaction';
import { recordAudit } from '../audit/audit.service';
import type { HouseholdsService } from '../households/households.service';
import { commonRegionPath } from './bulk';
import { importEnterprises } from './enterprises.import';
import { importHouseholds } from './households.import';
import type { ImportJob, ImportSummary } from './import-job';
import { IMPORT_SPECS, type ImportKind } from './import-kinds';
import { importLinkages } from './linkages.import';
import { importLoans } from './loans.import';
import { ProblemLog, toRecords, validateRows } from './rows';
import { readSheet, XLSX_MEDIA_TYPE } from './sheet';
import { buildTemplate } from './template';

export interface ImportResult {
  kind: ImportKind;
  rowsImported: number;
}

export interface UploadedFile {
  /** One of the endpoint's `consumes` media types. */
  mediaType?: string;
  bytes?: Buffer;
}

/**
 * Bulk import of the register (SPEC §9, issue 3 item 6) and of a bank's loan ledger (issue 4 item 8):
 * read the file, validate every row with the single-record API's Joi keys, check every rule in bulk,
 * and write all rows in one transaction or none, reporting every problem with its row and column.
 * Every record written has its own audit entry, as through the single-record API.
 */
export class ImportsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly households: HouseholdsService,
  ) {}

  template(kind: ImportKind): Promise<Buffer> {
    return buildTemplate(IMPORT_SPECS[kind]);
  }

  async import(context: AuthenticatedContext, kind: ImportKind, file: UploadedFile): Promise<ImportResult> {
    const spec = IMPORT_SPECS[kind];
    // Parsing and format checks need no database, so they run before the transaction opens.
    const sheet = await readSheet(file.mediaType, file.bytes);
    const problems = new ProblemLog();
    // `any`: each kind's importer declares its own row type, which the kind's schema produces.
    const rows = validateRows<any>(toRecords(sheet, spec, problems), spec.rowSchema, problems);
    const today = todayInShanghai();
    return inTransaction(this.dataSource, async (manager) => {
      const job: ImportJob<any> = { manager, context, rows, problems, today };
      // Each importer writes one audit entry per record it creates (issue 2 item 7); this one, under
      // a fresh id that names the import itself, says what the file held and shares their request id.
      const summary = await this.importRows(kind, job);
      await recordAudit(manager, context, {
        action: 'import',
        entityType: kind,
        entityId: randomUUID(),
        after: { rowsImported: summary.rowsImported, ...summary.counts, format: file.mediaType === XLSX_MEDIA_TYPE ? 'xlsx' : 'csv' },
        regionPath: commonRegionPath(summary.regionPaths) ?? context.user.regionPath,
        institutionId: summary.institutionId,
      });
      return { kind, rowsImported: summary.rowsImported };
    });
  }

  private importRows(kind: ImportKind, job: ImportJob<any>): Promise<ImportSummary> {
    switch (kind) {
      case 'households':
        return importHouseholds(job, this.households);
      case 'enterprises':
        return importEnterprises(job);
      case 'linkages':
        return importLinkages(job);
      case 'loans':
        return importLoans(job, this.households);
    }
  }
}
