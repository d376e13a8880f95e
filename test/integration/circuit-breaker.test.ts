import { expect } from 'chai';
import type { EntityManager } from 'typeorm';
import { Decimal } from '../../src/core/money';
import {
  breakerRegionsOf,
  checkCircuitBreakers,
  checkFundCapacity,
  recordMovement,
  type NewFundMovement,
  type RuleFailure,
} from '../../src/modules/funds';
import type { RequestContext } from '../../src/shared/auth/context';
import { DomainError } from '../../src/shared/http/errors';
import { createTestDatabase, type TestDatabase } from '../support/db';

/**
 * SPEC §5 熔断 and fund capacity, on a real PostgreSQL: loans are inserted directly (the loans
 * service is not needed to test the sums), borrowed by the demo enterprise, with region paths set
 * to the township or village under test.
 */
const THRESHOLDS = { townshipNplRatio: '0.05', villageNplRatio: '0.07' };
const LANKAO = '410200/410225/';
const townshipPath = (township: string) => `${LANKAO}${township}/`;
const villagePath = (township: string, village: string) => `${LANKAO}${township}/${township}${village}/`;

describe('circuit breakers and fund capacity (SPEC §5)', () => {
  let db: TestDatabase;
  const ids = { abc: '', abcBranch: '', rcb: '', rcbBranch: '', psbc: '', enterprise: '', user: '' };
  const versions = new Map<string, string>();
  let contractCounter = 0;

  before(async () => {
    db = await createTestDatabase();
    const q = (sql: string) => db.dataSource.query(sql).then((rows: Array<{ id: string }>) => rows[0].id);
    ids.abc = await q(`SELECT id FROM institutions WHERE type = 'bank' AND name LIKE '%农业银行%'`);
    ids.abcBranch = await q(`SELECT id FROM institutions WHERE type = 'bank_branch' AND name LIKE '%农业银行%兰考%'`);
    ids.rcb = await q(`SELECT id FROM institutions WHERE type = 'bank' AND name LIKE '%农村商业银行%'`);
    ids.rcbBranch = await q(`SELECT id FROM institutions WHERE type = 'bank_branch' AND name LIKE '%农村商业银行%'`);
    ids.psbc = await q(`SELECT id FROM institutions WHERE type = 'bank' AND name LIKE '%邮政储蓄%'`);
    ids.enterprise = await q(`SELECT id FROM enterprises ORDER BY name LIMIT 1`);
    ids.user = await q(`SELECT id FROM users WHERE username = 'finance'`);
    const rows: Array<{ model_code: string; id: string }> = await db.dataSource.query(`SELECT model_code, id FROM financing_model_versions WHERE version = 1`);
    for (const row of rows) versions.set(row.model_code, row.id);
  });
  after(async () => {
    await db?.drop();
  });

  interface LoanRow {
    regionPath: string;
    outstanding: string;
    status?: string;
    modelCode?: string;
    riskFundId?: string | null;
    bank?: 'abc' | 'rcb';
  }

  /** One loan satisfying every CHECK and foreign key of the loans table; principal = outstanding (or 1.00 when settled). */
  async function insertLoan(loan: LoanRow): Promise<void> {
    contractCounter += 1;
    const modelCode = loan.modelCode ?? 'risk_fund_enterprise';
    const principal = new Decimal(loan.outstanding).gt(0) ? loan.outstanding : '1.00';
    const bank = loan.bank ?? 'abc';
    await db.dataSource.query(
      `INSERT INTO loans (bank_id, branch_id, contract_number, model_code, model_version_id, borrower_kind, enterprise_id,
                          region_path, principal, outstanding_principal, rate_annual, reference_rate_annual,
                          contract_date, disbursement_date, maturity_date, current_maturity_date, term_months,
                          repayment_method, purpose, risk_fund_id, status, created_by)
       VALUES ($1, $2, $3, $4, $5, 'enterprise', $6, $7, $8, $9, 0.0435, 0.0435,
               '2025-01-15', '2025-01-15', '2026-01-15', '2026-01-15', 12,
               'interest_quarterly_principal_at_maturity', 'breaker test', $10, $11, $12)`,
      [
        ids[bank],
        bank === 'abc' ? ids.abcBranch : ids.rcbBranch,
        `CB-${contractCounter}`,
        modelCode,
        versions.get(modelCode),
        ids.enterprise,
        loan.regionPath,
        principal,
        loan.outstanding,
        loan.riskFundId ?? null,
        loan.status ?? 'active',
        ids.user,
      ],
    );
  }

  const breakers = (regionPath: string, modelCode = 'risk_fund_enterprise') =>
    checkCircuitBreakers(db.dataSource.manager, { modelCode, regionPath, thresholds: THRESHOLDS });
  const codes = (failures: RuleFailure[]) => failures.map((f) => f.code);

  describe('pure: the levels of a region path', () => {
    it('when a path reaches the village, then township and village prefixes are both found', () => {
      expect(breakerRegionsOf('410200/410225/410225100/410225100201/')).to.deep.equal({
        township: { code: '410225100', prefix: '410200/410225/410225100/' },
        village: { code: '410225100201', prefix: '410200/410225/410225100/410225100201/' },
      });
    });
    it('when a path stops at the township or the county, then only the levels present are found', () => {
      expect(breakerRegionsOf('410200/410225/410225100/')).to.deep.equal({ township: { code: '410225100', prefix: '410200/410225/410225100/' } });
      expect(breakerRegionsOf('410200/410225/')).to.deep.equal({});
    });
  });

  describe('township ratio (threshold 5%, strictly exceeded)', () => {
    before(async () => {
      // 410225102: 5000.00 defaulted of 100000.00 = exactly 5%.
      await insertLoan({ regionPath: villagePath('410225102', '201'), outstanding: '95000.00' });
      await insertLoan({ regionPath: villagePath('410225102', '202'), outstanding: '5000.00', status: 'defaulted' });
      // 410225103: 5010.00 of 100000.00 = 5.01%, all defaulted principal in village 201.
      await insertLoan({ regionPath: villagePath('410225103', '202'), outstanding: '94990.00' });
      await insertLoan({ regionPath: villagePath('410225103', '201'), outstanding: '5010.00', status: 'defaulted' });
      // 410225107: one fen above 5% (5000.01 of 100000.00), shown as 0.0500 but refused.
      await insertLoan({ regionPath: villagePath('410225107', '201'), outstanding: '94999.99' });
      await insertLoan({ regionPath: villagePath('410225107', '202'), outstanding: '5000.01', status: 'defaulted' });
    });

    it('when the township ratio is exactly 5%, then new loans pass', async () => {
      expect(await breakers(townshipPath('410225102'))).to.deep.equal([]);
      expect(await breakers(villagePath('410225102', '203'))).to.deep.equal([]);
    });

    it('when the township ratio is 5.01%, then CIRCUIT_BREAKER_TOWNSHIP with the threshold, the ratio and the code', async () => {
      const failures = await breakers(townshipPath('410225103'));
      expect(failures).to.have.length(1);
      expect(failures[0]).to.include({ code: 'CIRCUIT_BREAKER_TOWNSHIP', limit: '0.05', actual: '0.0501' });
      expect(failures[0].message).to.contain('410225103');
    });

    it('when the ratio is one fen above 5%, then it is refused although it rounds to 0.0500', async () => {
      const failures = await breakers(townshipPath('410225107'));
      expect(failures.map((f) => [f.code, f.actual])).to.deep.equal([['CIRCUIT_BREAKER_TOWNSHIP', '0.0500']]);
    });

    it('when the loan is in the failing township\'s defaulted village, then both levels fail', async () => {
      expect(codes(await breakers(villagePath('410225103', '201')))).to.deep.equal(['CIRCUIT_BREAKER_TOWNSHIP', 'CIRCUIT_BREAKER_VILLAGE']);
    });

    it('when the path stops at the county, or the township has no loans, then nothing is checked or the ratio is 0', async () => {
      expect(await breakers(LANKAO)).to.deep.equal([]);
      expect(await breakers(villagePath('410225200', '201'))).to.deep.equal([]);
    });
  });

  describe('village ratio (threshold 7%, strictly exceeded)', () => {
    before(async () => {
      // Township 410225104 stays at 14010.00 / 500000.00 = 2.8%, so only the villages decide.
      await insertLoan({ regionPath: villagePath('410225104', '201'), outstanding: '93000.00' });
      await insertLoan({ regionPath: villagePath('410225104', '201'), outstanding: '7000.00', status: 'defaulted' });
      await insertLoan({ regionPath: villagePath('410225104', '202'), outstanding: '100000.00' });
      await insertLoan({ regionPath: villagePath('410225104', '203'), outstanding: '92990.00', status: 'overdue' });
      await insertLoan({ regionPath: villagePath('410225104', '203'), outstanding: '7010.00', status: 'defaulted' });
      await insertLoan({ regionPath: villagePath('410225104', '204'), outstanding: '200000.00' });
    });

    it('when the village ratio is exactly 7%, then new loans pass', async () => {
      expect(await breakers(villagePath('410225104', '201'))).to.deep.equal([]);
    });

    it('when the village ratio is 7.01%, then CIRCUIT_BREAKER_VILLAGE only, naming the village', async () => {
      const failures = await breakers(villagePath('410225104', '203'));
      expect(failures).to.have.length(1);
      expect(failures[0]).to.include({ code: 'CIRCUIT_BREAKER_VILLAGE', limit: '0.07', actual: '0.0701' });
      expect(failures[0].message).to.contain('410225104203');
    });

    it('when a sibling village or the township itself is asked, then they are unaffected', async () => {
      expect(await breakers(villagePath('410225104', '202'))).to.deep.equal([]);
      expect(await breakers(townshipPath('410225104'))).to.deep.equal([]);
    });
  });

  describe('what counts', () => {
    before(async () => {
      // 410225105: all defaulted principal is under another model.
      await insertLoan({ regionPath: villagePath('410225105', '201'), outstanding: '50000.00', status: 'defaulted', modelCode: 'household_microcredit' });
      await insertLoan({ regionPath: villagePath('410225105', '201'), outstanding: '100000.00' });
      // 410225106: closed loans (compensated, written off, settled) are not open and do not count.
      await insertLoan({ regionPath: villagePath('410225106', '201'), outstanding: '100000.00' });
      await insertLoan({ regionPath: villagePath('410225106', '201'), outstanding: '40000.00', status: 'compensated' });
      await insertLoan({ regionPath: villagePath('410225106', '201'), outstanding: '30000.00', status: 'written_off' });
      await insertLoan({ regionPath: villagePath('410225106', '201'), outstanding: '0', status: 'settled' });
    });

    it("when defaulted loans are under another model, then this model's breaker ignores them; that model's trips", async () => {
      expect(await breakers(villagePath('410225105', '201'))).to.deep.equal([]);
      const other = await breakers(villagePath('410225105', '201'), 'household_microcredit');
      expect(other.map((f) => [f.code, f.actual])).to.deep.equal([
        ['CIRCUIT_BREAKER_TOWNSHIP', '1.0000'],
        ['CIRCUIT_BREAKER_VILLAGE', '1.0000'],
      ]);
    });

    it('when loans are compensated, written off or settled, then they are not in the ratio', async () => {
      expect(await breakers(villagePath('410225106', '201'))).to.deep.equal([]);
    });

    it('when the thresholds are parameters, then a lower one refuses what the default allows', async () => {
      const failures = await checkCircuitBreakers(db.dataSource.manager, {
        modelCode: 'risk_fund_enterprise',
        regionPath: townshipPath('410225102'),
        thresholds: { townshipNplRatio: '0.0499', villageNplRatio: '0.07' },
      });
      expect(failures.map((f) => [f.code, f.limit, f.actual])).to.deep.equal([['CIRCUIT_BREAKER_TOWNSHIP', '0.0499', '0.0500']]);
    });
  });

  describe('fund capacity (outstanding + principal ≤ balance × multiple)', () => {
    let fundId: string;
    const movement = (input: Partial<NewFundMovement> & Pick<NewFundMovement, 'kind' | 'amount'>): NewFundMovement => ({
      occurredOn: '2025-06-01',
      reference: null,
      idempotencyKey: `cap-${(contractCounter += 1)}`,
      createdBy: ids.user,
      ...input,
    });
    const inTx = <T>(work: (manager: EntityManager) => Promise<T>) => db.dataSource.transaction(work);
    /** Movements recorded here are audited as by nobody, as the jobs' are. */
    const SYSTEM: RequestContext = { requestId: 'circuit-breaker-test', user: null, ip: '' };
    const capacity = (principal: string, bank: 'abc' | 'psbc' = 'abc') =>
      inTx((m) => checkFundCapacity(m, { countyCode: '410225', bankId: ids[bank], modelCode: 'risk_fund_enterprise', principal: new Decimal(principal) }));

    before(async () => {
      const [fund] = await db.dataSource.query(
        `INSERT INTO risk_funds (county_code, bank_id, model_code, multiple, balance, region_path)
         VALUES ('410225', $1, 'risk_fund_enterprise', 10, 0, $2) RETURNING id`,
        [ids.abc, LANKAO],
      );
      fundId = fund.id;
      await inTx((m) => recordMovement(m, SYSTEM, fundId, movement({ kind: 'deposit', amount: new Decimal('10000.00') })));
      await insertLoan({ regionPath: townshipPath('410225101'), outstanding: '60000.00', riskFundId: fundId });
      await insertLoan({ regionPath: townshipPath('410225101'), outstanding: '0', status: 'settled', riskFundId: fundId });
      await insertLoan({ regionPath: townshipPath('410225101'), outstanding: '9000.00', status: 'compensated', riskFundId: fundId });
    });

    it('when the new principal brings the fund exactly to its capacity, then it passes', async () => {
      expect(await capacity('40000.00')).to.deep.equal({ fundId, failures: [] });
    });

    it('when it is one fen over, then FUND_CAPACITY_EXCEEDED with the capacity and the total', async () => {
      const result = await capacity('40000.01');
      expect(result.fundId).to.equal(fundId);
      expect(result.failures).to.have.length(1);
      expect(result.failures[0]).to.include({ code: 'FUND_CAPACITY_EXCEEDED', limit: '100000.00', actual: '100000.01' });
    });

    it('when the county has no fund at the bank for the model, then NO_RISK_FUND and no fund id', async () => {
      const result = await capacity('1.00', 'psbc');
      expect(result.fundId).to.equal(null);
      expect(codes(result.failures)).to.deep.equal(['NO_RISK_FUND']);
    });

    it('when the capacity is checked, then the fund row stays locked until the transaction ends', async () => {
      await inTx(async (manager) => {
        await checkFundCapacity(manager, { countyCode: '410225', bankId: ids.abc, modelCode: 'risk_fund_enterprise', principal: new Decimal('1.00') });
        let error: unknown;
        await db.dataSource.transaction((other) => other.query('SELECT id FROM risk_funds WHERE id = $1 FOR UPDATE NOWAIT', [fundId])).catch((e) => (error = e));
        expect((error as { driverError?: { code?: string } })?.driverError?.code ?? (error as { code?: string })?.code).to.equal('55P03');
      });
    });

    it('when a withdrawal would leave less than the open loans need, then it is refused; down to the need it passes', async () => {
      const refused = await inTx((m) => recordMovement(m, SYSTEM, fundId, movement({ kind: 'withdrawal', amount: new Decimal('4000.01') }))).catch((e) => e);
      expect(refused).to.be.instanceOf(DomainError);
      expect((refused as DomainError).details).to.deep.equal([
        {
          field: 'amount',
          rule: 'FUND_WITHDRAWAL_BELOW_OUTSTANDING',
          message: (refused as { details: Array<{ message: string }> }).details[0].message,
          limit: '59999.90',
          actual: '60000.00',
        },
      ]);
      const allowed = await inTx((m) => recordMovement(m, SYSTEM, fundId, movement({ kind: 'withdrawal', amount: new Decimal('4000.00') })));
      expect(allowed.movement).to.include({ amount: '-4000.00', balanceAfter: '6000.00' });
    });

    it('when a claim pays out, then the capacity rule does not stop it but the balance may not go below zero', async () => {
      const payout = await inTx((m) => recordMovement(m, SYSTEM, fundId, movement({ kind: 'payout', amount: new Decimal('1000.00'), reference: 'claim 1' })));
      expect(payout.movement).to.include({ kind: 'payout', amount: '-1000.00', balanceAfter: '5000.00' });
      const tooMuch = await inTx((m) => recordMovement(m, SYSTEM, fundId, movement({ kind: 'payout', amount: new Decimal('5000.01') }))).catch((e) => e);
      expect((tooMuch as DomainError).details).to.have.nested.property('[0].rule', 'FUND_BALANCE_NEGATIVE');
      const [row] = await db.dataSource.query('SELECT balance::text, (SELECT sum(amount) FROM fund_movements WHERE fund_id = $1)::text AS total FROM risk_funds WHERE id = $1', [fundId]);
      expect(row).to.deep.equal({ balance: '5000.00', total: '5000.00' });
    });

    it('when the same key is recorded twice, then the second returns the first movement without writing', async () => {
      const input = movement({ kind: 'recovery', amount: new Decimal('250.00') });
      const first = await inTx((m) => recordMovement(m, SYSTEM, fundId, input));
      const second = await inTx((m) => recordMovement(m, SYSTEM, fundId, input));
      expect(first.created).to.equal(true);
      expect(second.created).to.equal(false);
      expect(second.movement).to.deep.equal(first.movement);
      const [row] = await db.dataSource.query('SELECT balance::text FROM risk_funds WHERE id = $1', [fundId]);
      expect(row.balance).to.equal('5250.00');
    });
  });
});
