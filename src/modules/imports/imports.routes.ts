import Joi from 'joi';
import type { ApiRegistry } from '../../shared/http/api';
import { IMPORT_KINDS, REGISTER_IMPORT_KINDS } from './import-kinds';
import type { ImportsService } from './imports.service';
import { CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE } from './sheet';

/** Limits on an upload (STYLE: a limit on everything); rows.ts caps the rows per file. */
export const MAX_IMPORT_FILE_BYTES = 20 * 1024 * 1024;

const IMPORTERS = ['poverty_office', 'admin'] as const;
/** A bank's loan ledger is imported by its own loan officers, for their bank (SPEC §1). */
const LEDGER_IMPORTERS = ['loan_officer'] as const;
const kindParams = Joi.object({ kind: Joi.string().valid(...REGISTER_IMPORT_KINDS).required() });

export const importResultSchema = Joi.object({
  kind: Joi.string().valid(...IMPORT_KINDS),
  rowsImported: Joi.number().integer(),
}).label('ImportResult');

export function registerImportRoutes(api: ApiRegistry, imports: ImportsService): void {
  // Declared before `/imports/:kind`, which Express would otherwise match first for `loans`.
  registerLedgerImportRoutes(api, imports);
  api.add({
    method: 'get',
    path: '/imports/:kind/template.xlsx',
    tag: 'import',
    summary: 'Download the XLSX template for importing households, enterprises or linkages',
    access: IMPORTERS,
    params: kindParams,
    produces: XLSX_MEDIA_TYPE,
    handle: async ({ params }, _context, res) => {
      const file = await imports.template(params.kind);
      res.status(200).type(XLSX_MEDIA_TYPE).attachment(`${params.kind}-template.xlsx`).send(file);
    },
  });
  api.add({
    method: 'post',
    path: '/imports/:kind',
    tag: 'import',
    summary: 'Import households, enterprises or linkages from a CSV or XLSX file, all rows or none',
    description:
      'Every record created has its own audit entry, as POST /households, /enterprises or /linkages writes it (action create, the record ' +
      'with ID numbers masked, the request id), plus one summary entry of the import (action import).',
    access: IMPORTERS,
    params: kindParams,
    consumes: [CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE],
    maxBodyBytes: MAX_IMPORT_FILE_BYTES,
    status: 201,
    response: importResultSchema,
    handle: ({ params, body, mediaType }, context) => imports.import(context, params.kind, { mediaType, bytes: body }),
  });
}

function registerLedgerImportRoutes(api: ApiRegistry, imports: ImportsService): void {
  api.add({
    method: 'get',
    path: '/imports/loans/template.xlsx',
    tag: 'import',
    summary: "Download the XLSX template for importing a bank's loan ledger",
    access: LEDGER_IMPORTERS,
    produces: XLSX_MEDIA_TYPE,
    handle: async (_input, _context, res) => {
      const file = await imports.template('loans');
      res.status(200).type(XLSX_MEDIA_TYPE).attachment('loans-template.xlsx').send(file);
    },
  });
  api.add({
    method: 'post',
    path: '/imports/loans',
    tag: 'import',
    summary: "Import your bank's loan ledger from a CSV or XLSX file, each row checked as a registration, all rows or none",
    description:
      'Every loan created has its own audit entry, as POST /loans writes it (action register, the loan as the API shows it, the request id), ' +
      'and each guarantee application filed its own; plus one summary entry of the import (action import).',
    access: LEDGER_IMPORTERS,
    consumes: [CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE],
    maxBodyBytes: MAX_IMPORT_FILE_BYTES,
    status: 201,
    response: importResultSchema,
    handle: ({ body, mediaType }, context) => imports.import(context, 'loans', { mediaType, bytes: body }),
  });
}
