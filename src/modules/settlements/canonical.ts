// The canonical content of a settlement batch and its SHA-256 (SPEC §7; defined precisely in
// docs/calculations.md "Canonical content of a settlement batch"). The hash is printed on every page
// of the statement and stored on the batch, so that any printed statement can be verified later.
//
// Canonical content = UTF-8 JSON Lines: the header record, then one record per line in line order,
// each `JSON.stringify` of an object with its keys in the fixed order below, followed by "\n".
// Amounts are strings in their one canonical form (money: 2 decimals; rates: formatRate; segment
// amounts: 3 decimals); counts and days are integers. Workflow fields (status, who, when, payment)
// are not content: paying an approved batch does not change its hash.
import crypto from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { formatMoney, type Decimal } from '../../core';
import { canonicalSegment, streamLines, type LineRecord } from './line-record';

export const CANONICAL_FORMAT = 'fupin-settlement-batch/1';

/** The header fields that are content. */
export interface CanonicalHeaderSource {
  id: string;
  batchNumber: string;
  bankId: string;
  period: string;
  periodStart: string;
  periodEnd: string;
  lineCount: number;
  loansCounted: number;
  openingBalanceTotal: Decimal;
  closingBalanceTotal: Decimal;
  interestSubsidyTotal: Decimal;
  guaranteeFeeSubsidyTotal: Decimal;
  totalAmount: Decimal;
}

export function canonicalHeader(b: CanonicalHeaderSource): string {
  return JSON.stringify({
    format: CANONICAL_FORMAT,
    batchNumber: b.batchNumber,
    bankId: b.bankId,
    period: b.period,
    periodStart: b.periodStart,
    periodEnd: b.periodEnd,
    lineCount: b.lineCount,
    loansCounted: b.loansCounted,
    openingBalanceTotal: formatMoney(b.openingBalanceTotal),
    closingBalanceTotal: formatMoney(b.closingBalanceTotal),
    interestSubsidyTotal: formatMoney(b.interestSubsidyTotal),
    guaranteeFeeSubsidyTotal: formatMoney(b.guaranteeFeeSubsidyTotal),
    totalAmount: formatMoney(b.totalAmount),
  });
}

export function canonicalLine(l: LineRecord): string {
  return JSON.stringify({
    lineNo: l.lineNo,
    kind: l.kind,
    loanId: l.loanId,
    contractNumber: l.contractNumber,
    borrowerKind: l.borrowerKind,
    borrowerName: l.borrowerName,
    borrowerIdentifier: l.borrowerIdentifier,
    modelCode: l.modelCode,
    principal: l.principal,
    openingBalance: l.openingBalance,
    closingBalance: l.closingBalance,
    days: l.days,
    interestRate: l.interestRate,
    interestSubsidy: l.interestSubsidy,
    feeSubsidyRate: l.feeSubsidyRate,
    guaranteeFeeSubsidy: l.guaranteeFeeSubsidy,
    totalAmount: l.totalAmount,
    reason: l.reason,
    adjustsPeriod: l.adjustsPeriod,
    adjustsLineId: l.adjustsLineId,
    segments: l.segments.map(canonicalSegment),
  });
}

/**
 * The SHA-256 (lower-case hex) of a batch's canonical content as stored now, hashed line by line as
 * the lines stream from the database: memory holds one chunk whatever the batch's size. This is the
 * reference: it builds each line with canonicalLine from the parsed row. POST /statements/verify
 * uses it, so a batch hashed with contentSha256Stored below is checked against it.
 */
export async function contentSha256(manager: EntityManager, header: CanonicalHeaderSource): Promise<string> {
  const hash = crypto.createHash('sha256');
  hash.update(`${canonicalHeader(header)}\n`, 'utf8');
  for await (const chunk of streamLines(manager, header.id)) {
    for (const line of chunk) hash.update(`${canonicalLine(line)}\n`, 'utf8');
  }
  return hash.digest('hex');
}

/** A JSON string literal exactly as JSON.stringify writes it (PostgreSQL's to_json escapes the same characters). */
const jsonString = (expression: string) => `coalesce(to_json((${expression})::text)::text, 'null')`;
/** numeric → formatRate's text: at least 4 decimals, no trailing zeros beyond them. */
const rateText = (expression: string) =>
  `coalesce(round(trim_scale(${expression}), greatest(4, scale(trim_scale(${expression}))))::text, 'null')`;
const quotedRate = (expression: string) => `CASE WHEN ${expression} IS NULL THEN 'null' ELSE '"' || ${rateText(expression)} || '"' END`;
const quotedMoney = (expression: string) => `CASE WHEN ${expression} IS NULL THEN 'null' ELSE '"' || (${expression})::text || '"' END`;

/** A stored line's segments as canonicalLine writes them: keys in canonical order, no spaces. */
const CANONICAL_SEGMENTS_SQL = `'[' || coalesce((
       SELECT string_agg('{"kind":' || ${jsonString('x.kind')} || ',"from":' || ${jsonString('x."from"')} || ',"to":' || ${jsonString('x."to"')}
                || ',"days":' || x.days || ',"base":' || ${jsonString('x.base')} || ',"rate":' || ${jsonString('x.rate')}
                || ',"amount":' || ${jsonString('x.amount')} || '}', ',' ORDER BY x.n)
         FROM ROWS FROM (jsonb_to_recordset(sl.segments) AS (kind text, "from" text, "to" text, days int, base text, rate text, amount text))
              WITH ORDINALITY AS x(kind, "from", "to", days, base, rate, amount, n)), '') || ']'`;

/**
 * canonicalLine, built by PostgreSQL from a stored line `sl`: the same text, character for character
 * (keys in the same order, no spaces, strings escaped as JSON.stringify escapes them; money columns
 * are numeric(16,2) and print with 2 decimals; segments were stored in their canonical forms).
 * test/integration/settlement-engine.test.ts compares the two on every line it makes.
 */
export const CANONICAL_LINE_SQL = `'{"lineNo":' || sl.line_no
  || ',"kind":' || ${jsonString('sl.kind')}
  || ',"loanId":' || ${jsonString('sl.loan_id')}
  || ',"contractNumber":' || ${jsonString('sl.contract_number')}
  || ',"borrowerKind":' || ${jsonString('sl.borrower_kind')}
  || ',"borrowerName":' || ${jsonString('sl.borrower_name')}
  || ',"borrowerIdentifier":' || ${jsonString('sl.borrower_identifier')}
  || ',"modelCode":' || ${jsonString('sl.model_code')}
  || ',"principal":' || ${quotedMoney('sl.principal')}
  || ',"openingBalance":' || ${quotedMoney('sl.opening_balance')}
  || ',"closingBalance":' || ${quotedMoney('sl.closing_balance')}
  || ',"days":' || sl.days
  || ',"interestRate":' || ${quotedRate('sl.interest_rate')}
  || ',"interestSubsidy":' || ${quotedMoney('sl.interest_subsidy')}
  || ',"feeSubsidyRate":' || ${quotedRate('sl.fee_subsidy_rate')}
  || ',"guaranteeFeeSubsidy":' || ${quotedMoney('sl.guarantee_fee_subsidy')}
  || ',"totalAmount":' || ${quotedMoney('sl.total_amount')}
  || ',"reason":' || ${jsonString('sl.reason')}
  || ',"adjustsPeriod":' || ${jsonString('sl.adjusts_period')}
  || ',"adjustsLineId":' || ${jsonString('sl.adjusts_line_id')}
  || ',"segments":' || ${CANONICAL_SEGMENTS_SQL} || '}'`;

/** Lines per round trip when PostgreSQL writes the canonical text. */
const CANONICAL_CHUNK = 20_000;

/**
 * The same SHA-256 as contentSha256, with the canonical text of each line written by PostgreSQL
 * (CANONICAL_LINE_SQL) and only hashed here: no row parsing, no Decimal per amount. Used when a draft
 * is computed, where a province's batch has hundreds of thousands of lines.
 */
export async function contentSha256Stored(manager: EntityManager, header: CanonicalHeaderSource): Promise<string> {
  const hash = crypto.createHash('sha256');
  hash.update(`${canonicalHeader(header)}\n`, 'utf8');
  let after = 0;
  for (;;) {
    const rows: Array<{ line_no: number; canonical: string }> = await manager.query(
      `SELECT sl.line_no, ${CANONICAL_LINE_SQL} AS canonical
         FROM settlement_lines sl WHERE sl.batch_id = $1 AND sl.line_no > $2 ORDER BY sl.line_no LIMIT $3`,
      [header.id, after, CANONICAL_CHUNK],
    );
    for (const row of rows) hash.update(`${row.canonical}\n`, 'utf8');
    if (rows.length < CANONICAL_CHUNK) return hash.digest('hex');
    after = rows[rows.length - 1]!.line_no;
  }
}
