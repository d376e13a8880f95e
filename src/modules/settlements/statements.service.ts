import { once } from 'node:events';
import { PassThrough, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Response } from 'express';
import type { DataSource, EntityManager } from 'typeorm';
import { formatMoney } from '../../core';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { applyScope, scopeOf } from '../../shared/auth/scope';
import { DomainError, notFound } from '../../shared/http/errors';
import { attachmentDisposition, createPdfDocument, finishPdf, sendPdf, type PdfOptions } from '../../shared/pdf';
import { contentSha256 } from './canonical';
import { streamLines } from './line-record';
import { writeLinesCsv, writeLinesXlsx } from './line-exports';
import { SettlementBatch } from './settlement-batch.entity';
import { subtotalsByModel } from './settlement-draft';
import { BATCH_SCOPE } from './settlements-query.service';
import { printedSha256 } from './statement-hash';
import { STATEMENT_TITLE, writeStatement, type StatementData } from './statement.pdf';

export interface VerifyResult {
  sha256: string;
  /** True when the batch's content, recomputed from the database now, still has this hash. */
  matches: boolean;
  storedSha256: string;
  recomputedSha256: string;
  batch: { id: string; batchNumber: string; bankId: string; bankName: string; period: string; status: string; lineCount: number; totalAmount: string };
}

const XLSX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * The statement PDF, its verification, and the line exports (SPEC §7, issue 6 items 3 and 5). Every
 * reader runs in one REPEATABLE READ, read-only transaction, so a statement, its printed hash and its
 * totals come from one snapshot even while a draft is being recomputed.
 */
export class StatementsService {
  constructor(private readonly dataSource: DataSource) {}

  /** GET /settlements/:id/statement.pdf, streamed page by page. */
  async sendStatement(context: AuthenticatedContext, id: string, res: Response): Promise<void> {
    await this.snapshot(async (manager) => {
      const data = await this.statementData(manager, await this.scopedBatch(manager, context, id));
      await sendPdf(res, `${data.batch.batchNumber}.pdf`, pdfOptions(data), (doc) => writeStatement(doc, data).then(() => undefined));
    });
  }

  /**
   * For the scheduled job and other callers without a request: writes batch `batchId`'s statement to
   * any writable (a file, a buffer) and resolves once it is fully written.
   */
  async renderStatementToStream(batchId: string, out: Writable, generatedAt: Date = new Date()): Promise<{ pages: number; sha256: string }> {
    return this.snapshot(async (manager) => {
      const batch = await manager.getRepository(SettlementBatch).findOneBy({ id: batchId });
      if (!batch) throw notFound('settlement batch');
      const data = await this.statementData(manager, batch);
      const doc = createPdfDocument({ ...pdfOptions(data), generatedAt });
      doc.pipe(out);
      const pages = await writeStatement(doc, data);
      finishPdf(doc);
      await finished(out);
      return { pages, sha256: batch.contentSha256! };
    });
  }

  /** The statement as bytes (tests, attachments). */
  async renderStatementToBuffer(batchId: string, generatedAt: Date = new Date()): Promise<Buffer> {
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (chunk: Buffer) => chunks.push(chunk));
    await this.renderStatementToStream(batchId, sink, generatedAt);
    return Buffer.concat(chunks);
  }

  /** POST /statements/verify: which batch a hash (or a statement PDF) belongs to, and whether it still matches. */
  async verify(context: AuthenticatedContext, input: { sha256?: string; pdf?: Buffer }): Promise<VerifyResult> {
    const sha256 = input.sha256 ?? (input.pdf ? printedSha256(input.pdf) : null);
    if (!sha256) {
      throw new DomainError('RULE_VIOLATION', 'no statement hash was found in the PDF', [
        { field: 'body', rule: 'STATEMENT_HASH_PRINTED', message: 'send a statement PDF printed by this system, or { "sha256": … }' },
      ]);
    }
    return this.snapshot(async (manager) => {
      const query = manager.getRepository(SettlementBatch).createQueryBuilder('b').leftJoinAndSelect('b.bank', 'bank').where('b.content_sha256 = :sha256', { sha256 });
      applyScope(query, scopeOf(context.user), BATCH_SCOPE);
      const batch = await query.getOne();
      if (!batch) {
        throw new DomainError('NOT_FOUND', 'no settlement batch has this SHA-256: the statement was not issued by this system, was altered, or is a draft that has been recomputed since', { sha256 });
      }
      const recomputed = await contentSha256(manager, batch);
      return {
        sha256,
        matches: recomputed === sha256,
        storedSha256: batch.contentSha256!,
        recomputedSha256: recomputed,
        batch: {
          id: batch.id,
          batchNumber: batch.batchNumber,
          bankId: batch.bankId,
          bankName: batch.bank?.name ?? '',
          period: batch.period,
          status: batch.status,
          lineCount: batch.lineCount,
          totalAmount: formatMoney(batch.totalAmount),
        },
      };
    });
  }

  async sendLinesCsv(context: AuthenticatedContext, id: string, res: Response): Promise<void> {
    await this.snapshot(async (manager) => {
      const batch = await this.scopedBatch(manager, context, id);
      startDownload(res, 'text/csv; charset=utf-8', `${batch.batchNumber}-lines.csv`);
      await writeLinesCsv(res, batch, streamLines(manager, batch.id));
    });
  }

  async sendLinesXlsx(context: AuthenticatedContext, id: string, res: Response): Promise<void> {
    await this.snapshot(async (manager) => {
      const batch = await this.scopedBatch(manager, context, id);
      startDownload(res, XLSX_MEDIA_TYPE, `${batch.batchNumber}-lines.xlsx`);
      await writeLinesXlsx(res, batch, streamLines(manager, batch.id));
      if (!res.writableFinished) await once(res, 'finish');
    });
  }

  private snapshot<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      await manager.query('SET TRANSACTION READ ONLY');
      return work(manager);
    });
  }

  private async scopedBatch(manager: EntityManager, context: AuthenticatedContext, id: string): Promise<SettlementBatch> {
    const query = manager.getRepository(SettlementBatch).createQueryBuilder('b').where('b.id = :id', { id });
    applyScope(query, scopeOf(context.user), BATCH_SCOPE);
    const batch = await query.getOne();
    if (!batch) throw notFound('settlement batch');
    return batch;
  }

  private async statementData(manager: EntityManager, batch: SettlementBatch): Promise<StatementData> {
    const [bank] = await manager.query('SELECT name, uscc FROM institutions WHERE id = $1', [batch.bankId]);
    const models: Array<{ code: string; number: number; name_zh: string }> = await manager.query('SELECT code, number, name_zh FROM financing_models');
    return {
      batch,
      bank: { name: bank.name, uscc: bank.uscc },
      subtotals: await subtotalsByModel(manager, batch.id),
      modelLabels: new Map(models.map((m) => [m.code, `${m.number} ${m.name_zh}`])),
      lines: streamLines(manager, batch.id, 500),
    };
  }
}

function pdfOptions(data: StatementData): PdfOptions {
  return {
    title: `${STATEMENT_TITLE.zh} ${data.batch.batchNumber}`,
    // The hash travels in the metadata too, for verifying a PDF whose page text cannot be read.
    subject: `SHA-256 ${data.batch.contentSha256}`,
    layout: 'landscape',
    pagination: 'streaming',
    generatedAt: new Date(),
  };
}

function startDownload(res: Response, contentType: string, fileName: string): void {
  res.status(200);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Disposition', attachmentDisposition(fileName));
  res.setHeader('Cache-Control', 'no-store');
}
