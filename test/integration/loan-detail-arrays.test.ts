import { expect } from 'chai';
import pg from 'pg';
import { LOAN_DETAIL_ARRAYS_DRIFT_SQL, readLoanDetailDocument } from '../../src/modules/loans/loan-detail.query';
import { eventually } from '../support/eventually';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * Issue 7: GET /loans/:id reads each loan's schedule, repayments and history as the database keeps
 * them (loan_detail_arrays, migration LoanDetailArrays). Every suite's database is checked against
 * the rows before it is dropped (test/support/db.ts); these tests show that check can fail, that the
 * read really uses the kept arrays, and that concurrent writers to one loan lose nothing.
 */
describe('kept loan detail arrays (issue 7): rewritten by the database on every write, read by GET /loans/:id', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let loanId: string;
  let userId: string;
  const drift = async (): Promise<string[]> => (await db.dataSource.query(LOAN_DETAIL_ARRAYS_DRIFT_SQL)).map((r: { id: string }) => r.id);
  const kept = async (id: string): Promise<{ schedule: unknown[]; repayments: Array<{ note: string | null }>; events: Array<{ kind: string }> }> =>
    (await db.dataSource.query(`SELECT schedule, repayments, events FROM loan_detail_arrays WHERE loan_id = $1`, [id]))[0];
  const connect = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    return client;
  };
  const insertRepayment = (client: { query: (sql: string, params: unknown[]) => Promise<unknown> }, note: string) =>
    client.query(
      `INSERT INTO repayments (loan_id, kind, paid_on, principal, interest, penalty, idempotency_key, note, created_by)
       VALUES ($1, 'repayment', '2026-11-20', '1.00', '0.00', '0.00', $2, $2, $3)`,
      [loanId, note, userId],
    );

  before(async () => {
    db = await createTestDatabase();
    [{ id: loanId }] = await db.dataSource.query(`SELECT id FROM loans WHERE disbursement_date IS NOT NULL ORDER BY contract_number LIMIT 1`);
    [{ id: userId }] = await db.dataSource.query(`SELECT id FROM users WHERE role = 'loan_officer' ORDER BY username LIMIT 1`);
  });
  after(() => db?.drop());

  it('when the demo data is loaded, then every loan has its kept arrays and they equal its rows', async () => {
    const [{ loans, keptRows }] = await db.dataSource.query(
      `SELECT (SELECT count(*)::int FROM loans) AS loans, (SELECT count(*)::int FROM loan_detail_arrays) AS "keptRows"`,
    );
    expect(loans).to.be.greaterThan(0);
    expect(keptRows).to.equal(loans);
    expect(await drift()).to.deep.equal([]);
  });

  it('when a repayment is written past the triggers, then the check names its loan; a refresh mends it', async () => {
    const client = await connect();
    try {
      await client.query(`SET session_replication_role = replica`);
      await insertRepayment(client, 'past-the-triggers');
    } finally {
      await client.end();
    }
    expect(await drift()).to.deep.equal([loanId]);
    await db.dataSource.query(`SELECT loan_detail_arrays_refresh(ARRAY[$1::uuid], 'repayments')`, [loanId]);
    expect(await drift()).to.deep.equal([]);
    expect((await kept(loanId)).repayments.map((r) => r.note)).to.include('past-the-triggers');
  });

  it('when the kept arrays say something, then GET /loans/:id answers it (the arrays are not built per read)', async () => {
    await db.dataSource.query(`UPDATE loan_detail_arrays SET events = '[{"kind":"marker"}]'::json WHERE loan_id = $1`, [loanId]);
    const read = await readLoanDetailDocument(db.dataSource, loanId, '2026-11-29');
    expect(JSON.parse(read!.json).events).to.deep.equal([{ kind: 'marker' }]);
    expect(await drift()).to.deep.equal([loanId]);
    await db.dataSource.query(`SELECT loan_detail_arrays_refresh(ARRAY[$1::uuid], 'events')`, [loanId]);
    expect(JSON.parse((await readLoanDetailDocument(db.dataSource, loanId, '2026-11-29'))!.json).events).not.to.deep.include({ kind: 'marker' });
  });

  it('when the balances are asked as of a date, then the kept sums answer from the latest date paid on, the repayments before it', async () => {
    const [loan] = await db.dataSource.query(
      `SELECT d.loan_id AS id, d.paid_through::text AS through, d.paid_principal::text AS principal
         FROM loan_detail_arrays d WHERE d.paid_through IS NOT NULL ORDER BY d.loan_id LIMIT 1`,
    );
    const balances = async (asOf: string) => JSON.parse((await readLoanDetailDocument(db.dataSource, loan.id, asOf))!.json).balances;
    const before = await balances('2099-12-31');
    expect(before.principalPaid).to.equal(loan.principal);
    await db.dataSource.query(`UPDATE loan_detail_arrays SET paid_principal = paid_principal + 1000 WHERE loan_id = $1`, [loan.id]);
    try {
      expect(await drift()).to.deep.equal([loan.id]);
      const kept = await balances('2099-12-31');
      expect(Number(kept.principalPaid) - Number(before.principalPaid)).to.equal(1000);
      const dayBefore = new Date(Date.parse(`${loan.through}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
      const [{ paid }] = await db.dataSource.query(
        `SELECT COALESCE(sum(principal), 0)::numeric(16,2)::text AS paid FROM repayments WHERE loan_id = $1 AND paid_on <= $2`,
        [loan.id, dayBefore],
      );
      expect((await balances(dayBefore)).principalPaid).to.equal(paid);
    } finally {
      await db.dataSource.query(`SELECT loan_detail_arrays_refresh(ARRAY[$1::uuid], 'repayments')`, [loan.id]);
    }
    expect(await drift()).to.deep.equal([]);
    expect(await balances('2099-12-31')).to.deep.equal(before);
  });

  it('when the kept row cannot answer alone, then the rows do: no kept row, a date before the latest repayment, due dates out of order', async () => {
    const [loan] = await db.dataSource.query(
      `SELECT d.loan_id AS id, d.paid_through::text AS through FROM loan_detail_arrays d
        WHERE d.paid_through IS NOT NULL AND cardinality(d.due_dates) > 2 ORDER BY d.loan_id LIMIT 1`,
    );
    const statements: string[] = [];
    const counting = { query: (query: { name: string }, params: unknown[]) => (statements.push(query.name), db.dataSource.query(query as never, params)) };
    const read = async (asOf: string) => {
      statements.length = 0;
      const found = await readLoanDetailDocument(counting as never, loan.id, asOf);
      return { document: JSON.parse(found!.json), statements: [...statements] };
    };
    const kept = await read('2099-12-31');
    expect(kept.statements, 'the kept row answers alone').to.deep.equal(['loan-detail-kept-document']);
    const firstDue = kept.document.schedule[0];
    const betweenDues = await read(firstDue.dueDate);
    expect(betweenDues.statements).to.deep.equal(
      betweenDues.document.balances.asOf >= loan.through ? ['loan-detail-kept-document'] : ['loan-detail-kept-document', 'loan-detail-document'],
    );
    expect(betweenDues.document.balances.dueToDate, 'due by the first due date: the first instalment').to.equal(firstDue.totalDue);
    const beforeRepayment = await read(new Date(Date.parse(`${loan.through}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10));
    expect(beforeRepayment.statements).to.deep.equal(['loan-detail-kept-document', 'loan-detail-document']);

    await db.dataSource.query(`UPDATE loan_detail_arrays SET due_dates = due_dates[2:2] || due_dates[1:1] || due_dates[3:] WHERE loan_id = $1`, [loan.id]);
    const [{ cumulative, principal }] = await db.dataSource.query(
      `SELECT due_cumulative AS cumulative, due_principal_cumulative AS principal FROM loan_detail_arrays WHERE loan_id = $1`,
      [loan.id],
    );
    expect([cumulative, principal], 'no running totals over due dates out of order').to.deep.equal([null, null]);
    const unordered = await read('2099-12-31');
    expect(unordered.statements).to.deep.equal(['loan-detail-kept-document', 'loan-detail-document']);
    expect(unordered.document.balances).to.deep.equal(kept.document.balances);
    await db.dataSource.query(`SELECT loan_detail_arrays_refresh(ARRAY[$1::uuid], 'schedule')`, [loan.id]);

    await db.dataSource.query(`DELETE FROM loan_detail_arrays WHERE loan_id = $1`, [loan.id]);
    const unkept = await read('2099-12-31');
    expect(unkept.statements).to.deep.equal(['loan-detail-kept-document', 'loan-detail-document']);
    expect(unkept.document).to.deep.equal(kept.document);
    await db.dataSource.query(`SELECT loan_detail_arrays_refresh(ARRAY[$1::uuid], 'all')`, [loan.id]);
    expect(await read('2099-12-31')).to.deep.equal(kept);
    expect(await drift()).to.deep.equal([]);
  });

  it('when two transactions write to one loan at once, then the arrays kept after both hold both writes', async () => {
    const first = await connect();
    const second = await connect();
    try {
      await first.query('BEGIN');
      await insertRepayment(first, 'first-writer');
      const { rows: [{ pid }] } = await second.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await second.query('BEGIN');
      // The second writer's trigger waits for the first's lock on the loan's kept row…
      const waiting = second.query(`INSERT INTO loan_events (loan_id, kind, effective_date) VALUES ($1, 'second-writer', '2026-11-21')`, [loanId]);
      await eventually(async () => {
        const [row] = await db.dataSource.query(`SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1`, [pid]);
        return row?.wait_event_type === 'Lock';
      }, 'the second writer waits for the first');
      // …and computes from what the first committed.
      await first.query('COMMIT');
      await waiting;
      await second.query('COMMIT');
    } finally {
      await first.end();
      await second.end();
    }
    const arrays = await kept(loanId);
    expect(arrays.repayments.map((r) => r.note)).to.include('first-writer');
    expect(arrays.events.map((e) => e.kind)).to.include('second-writer');
    expect(await drift()).to.deep.equal([]);
  });

  it('when a table of rows is truncated, then every loan’s arrays are built again', async () => {
    const runner = db.dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      await runner.query(`TRUNCATE repayments`);
      const [{ withRepayments }] = await runner.query(`SELECT count(*)::int AS "withRepayments" FROM loan_detail_arrays WHERE repayments::text <> '[]'`);
      expect(withRepayments).to.equal(0);
      expect(await runner.query(LOAN_DETAIL_ARRAYS_DRIFT_SQL)).to.deep.equal([]);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
