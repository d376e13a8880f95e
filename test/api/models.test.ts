import { expect } from 'chai';
import { addDays, type IsoDate } from '../../src/core/dates';
import type { ModelParameters } from '../../src/modules/models/model-parameters';
import { validateModelParameters } from '../../src/modules/models/model-parameters.schema';
import { todayInShanghai } from '../../src/shared/clock';
import { startTestApp, type TestApp } from '../support/app';

const MODEL_CODES = [
  'household_microcredit',
  'enterprise_driven',
  'government_guarantee',
  'risk_fund_enterprise',
  'entrepreneurship_guarantee',
  'insurance_backed',
  'cooperative_driven',
  'photovoltaic',
  'relending_supported',
  'inclusive_credit_line',
];

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const daysFromToday = (days: number): string => addDays(todayInShanghai(), days);

describe('financing models and their versions (SPEC §4, §11)', () => {
  let t: TestApp;
  /** Version-1 parameters by model code, as seeded by the Loans migration. */
  const seeded = new Map<string, ModelParameters>();

  before(async () => {
    t = await startTestApp();
    const rows: Array<{ model_code: string; parameters: ModelParameters }> = await t.db.dataSource.query(
      `SELECT model_code, parameters FROM financing_model_versions WHERE version = 1`,
    );
    for (const row of rows) seeded.set(row.model_code, row.parameters);
  });
  after(async () => {
    await t?.close();
  });

  async function versionCount(code: string): Promise<number> {
    const [{ count }] = await t.db.dataSource.query(`SELECT count(*)::int AS count FROM financing_model_versions WHERE model_code = $1`, [code]);
    return count;
  }

  it('when every seeded parameter set is checked, then each passes the parameter schema', () => {
    expect([...seeded.keys()].sort()).to.deep.equal([...MODEL_CODES].sort());
    for (const [code, parameters] of seeded) {
      expect(validateModelParameters(parameters).problems, code).to.deep.equal([]);
    }
  });

  it('when any user lists the models, then the ten come by number, each with version 1 in force', async () => {
    for (const user of ['officer.abc', 'enterprise', 'auditor.lankao']) {
      const res = await (await t.as(user)).get('/api/v1/models');
      expect(res.status, user).to.equal(200);
      expect(res.body.total).to.equal(10);
      expect(res.body.items.map((m: { code: string }) => m.code)).to.deep.equal(MODEL_CODES);
      expect(res.body.items.map((m: { number: number }) => m.number)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      for (const model of res.body.items) {
        expect(model.version.version, model.code).to.equal(1);
        expect(model.version.effectiveFrom).to.equal('2015-01-01');
      }
    }
  });

  it('when the date is before the first version, then every model is listed with version null', async () => {
    const res = await (await t.as('officer.abc')).get('/api/v1/models?date=2014-12-31');
    expect(res.status).to.equal(200);
    expect(res.body.items).to.have.length(10);
    for (const model of res.body.items) expect(model.version, model.code).to.equal(null);
  });

  it('when one model is read, then it comes with all its versions and exact decimal strings', async () => {
    const res = await (await t.as('officer.abc')).get('/api/v1/models/household_microcredit');
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ code: 'household_microcredit', number: 1, nameZh: '扶贫小额信贷' });
    expect(res.body.versions).to.have.length(1);
    const [v1] = res.body.versions;
    expect(v1.version).to.equal(1);
    expect(v1.parameters.eligibility.principalCap).to.equal('50000.00');
    expect(v1.parameters.riskSharing).to.deep.equal([{ party: 'risk_fund', ratio: '0.8' }, { party: 'bank', ratio: '0.2' }]);
  });

  it('when a model code is unknown, then reading or versioning it is 404', async () => {
    expect((await (await t.as('officer.abc')).get('/api/v1/models/no_such_model')).status).to.equal(404);
    const res = await (await t.as('finance'))
      .post('/api/v1/models/no_such_model/versions')
      .send({ effectiveFrom: daysFromToday(30), parameters: seeded.get('inclusive_credit_line') });
    expect(res.status).to.equal(404);
  });

  it('when a finance officer adds a future version, then it gets the next number, an audit entry, and is in force only from its date', async () => {
    const parameters = clone(seeded.get('inclusive_credit_line')!);
    parameters.eligibility.principalCap = '40000.00';
    const effectiveFrom = daysFromToday(30);
    const res = await (await t.as('finance')).post('/api/v1/models/inclusive_credit_line/versions').send({ effectiveFrom, parameters });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body).to.include({ modelCode: 'inclusive_credit_line', version: 2, effectiveFrom });
    expect(res.body.parameters.eligibility.principalCap).to.equal('40000.00');

    const [audit] = await t.db.dataSource.query(`SELECT action, entity_type FROM audit_log WHERE entity_id = $1`, [res.body.id]);
    expect(audit).to.deep.equal({ action: 'create', entity_type: 'financing_model_version' });

    const officer = await t.as('officer.abc');
    const inForce = async (date?: string) => {
      const list = await officer.get(`/api/v1/models${date ? `?date=${date}` : ''}`);
      return list.body.items.find((m: { code: string }) => m.code === 'inclusive_credit_line').version;
    };
    expect((await inForce(effectiveFrom)).version).to.equal(2);
    expect((await inForce(effectiveFrom)).parameters.eligibility.principalCap).to.equal('40000.00');
    expect((await inForce(addDays(effectiveFrom as IsoDate, -1))).version).to.equal(1);
    expect((await inForce(todayInShanghai())).version).to.equal(1);
    expect((await inForce()).version).to.equal(1);

    const detail = await officer.get('/api/v1/models/inclusive_credit_line');
    expect(detail.body.versions.map((v: { version: number }) => v.version)).to.deep.equal([1, 2]);

    const viaService = await t.services.models.versionInForce(t.db.dataSource.manager, 'inclusive_credit_line', effectiveFrom);
    expect(viaService?.version).to.equal(2);
  });

  it('when a version would take effect in the past or not after the latest one, then 422 says which and nothing is written', async () => {
    const parameters = seeded.get('photovoltaic');
    const finance = await t.as('finance');
    const first = await finance.post('/api/v1/models/photovoltaic/versions').send({ effectiveFrom: daysFromToday(60), parameters });
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    const before = await versionCount('photovoltaic');

    const cases: Array<[string, string]> = [
      [daysFromToday(-1), 'EFFECTIVE_FROM_IN_PAST'],
      ['2015-01-01', 'EFFECTIVE_FROM_IN_PAST'],
      [daysFromToday(60), 'EFFECTIVE_FROM_NOT_AFTER_LATEST'],
      [daysFromToday(10), 'EFFECTIVE_FROM_NOT_AFTER_LATEST'],
      // A typing error would refuse every later version until then (found by fuzzing).
      ['9999-12-31', 'EFFECTIVE_FROM_WITHIN_A_YEAR'],
      [daysFromToday(400), 'EFFECTIVE_FROM_WITHIN_A_YEAR'],
    ];
    for (const [effectiveFrom, rule] of cases) {
      const res = await finance.post('/api/v1/models/photovoltaic/versions').send({ effectiveFrom, parameters });
      expect(res.status, effectiveFrom).to.equal(422);
      expect(res.body.error.code).to.equal('RULE_VIOLATION');
      expect(res.body.error.details.map((d: { rule: string }) => d.rule), effectiveFrom).to.include(rule);
    }
    expect(await versionCount('photovoltaic')).to.equal(before);
  });

  it('when a model has only versions in the past, then a version effective today is accepted', async () => {
    const res = await (await t.as('finance2'))
      .post('/api/v1/models/relending_supported/versions')
      .send({ effectiveFrom: todayInShanghai(), parameters: seeded.get('relending_supported') });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.version).to.equal(2);
  });

  it('when the risk-sharing ratios sum to 0.9, then 400 names riskSharing and the sum, and nothing is written', async () => {
    const parameters = clone(seeded.get('household_microcredit')!);
    parameters.riskSharing = [{ party: 'risk_fund', ratio: '0.5' }, { party: 'bank', ratio: '0.4' }];
    const before = await versionCount('household_microcredit');
    const res = await (await t.as('finance')).post('/api/v1/models/household_microcredit/versions').send({ effectiveFrom: daysFromToday(30), parameters });
    expect(res.status).to.equal(400);
    const problem = res.body.error.details.find((d: { path: string }) => d.path === 'parameters.riskSharing');
    expect(problem, JSON.stringify(res.body)).to.not.equal(undefined);
    expect(problem.message).to.contain('riskSharing').and.contain('0.9');
    expect(await versionCount('household_microcredit')).to.equal(before);
  });

  it('when a parameter set has several problems, then the 400 lists every one', async () => {
    const parameters = clone(seeded.get('government_guarantee')!) as unknown as Record<string, any>;
    parameters.compensationTriggerDaysPastDue = 0;
    parameters.guarantee.coverageRatio = '1.2';
    parameters.eligibility.principalCap = '10.001';
    parameters.unexpected = true;
    const res = await (await t.as('finance')).post('/api/v1/models/government_guarantee/versions').send({ effectiveFrom: daysFromToday(30), parameters });
    expect(res.status).to.equal(400);
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).to.include.members([
      'parameters.compensationTriggerDaysPastDue',
      'parameters.guarantee.coverageRatio',
      'parameters.eligibility.principalCap',
      'parameters.unexpected',
    ]);
  });

  it('when a loan officer or a poverty officer adds a version, then 403', async () => {
    for (const user of ['officer.abc', 'poverty', 'admin']) {
      const res = await (await t.as(user)).post('/api/v1/models/household_microcredit/versions').send({
        effectiveFrom: daysFromToday(30),
        parameters: seeded.get('household_microcredit'),
      });
      expect(res.status, user).to.equal(403);
    }
  });

  it('when two finance officers add versions to one model at once, then the additions are serialised with distinct numbers', async () => {
    const parameters = seeded.get('insurance_backed');
    const [a, b] = await Promise.all([
      (await t.as('finance')).post('/api/v1/models/insurance_backed/versions').send({ effectiveFrom: daysFromToday(100), parameters }),
      (await t.as('finance2')).post('/api/v1/models/insurance_backed/versions').send({ effectiveFrom: daysFromToday(200), parameters }),
    ]);
    const statuses = [a.status, b.status];
    for (const status of statuses) expect([201, 422], JSON.stringify([a.body, b.body])).to.include(status);
    expect(statuses).to.include(201);
    const rows: Array<{ version: number; effective_from: string }> = await t.db.dataSource.query(
      `SELECT version, effective_from FROM financing_model_versions WHERE model_code = 'insurance_backed' ORDER BY version`,
    );
    expect(rows.map((r) => r.version)).to.deep.equal(rows.map((_, i) => i + 1));
    expect(rows.map((r) => r.effective_from)).to.deep.equal([...rows.map((r) => r.effective_from)].sort());
  });

  it('when SQL tries to update or delete a version, then the append-only trigger refuses it', async () => {
    for (const statement of [
      `UPDATE financing_model_versions SET effective_from = '2015-01-02' WHERE model_code = 'household_microcredit' AND version = 1`,
      `DELETE FROM financing_model_versions WHERE model_code = 'household_microcredit' AND version = 1`,
    ]) {
      let refused: Error | undefined;
      try {
        await t.db.dataSource.query(statement);
      } catch (error) {
        refused = error as Error;
      }
      expect(refused, statement).to.be.instanceOf(Error);
      expect(refused!.message).to.contain('append-only');
    }
    const [row] = await t.db.dataSource.query(`SELECT effective_from FROM financing_model_versions WHERE model_code = 'household_microcredit' AND version = 1`);
    expect(row.effective_from).to.equal('2015-01-01');
  });

  it('when the OpenAPI document is read, then it describes the three model endpoints', async () => {
    const res = await t.request().get('/api/openapi.json');
    expect(res.body.paths['/api/v1/models'].get).to.be.an('object');
    expect(res.body.paths['/api/v1/models/{code}'].get).to.be.an('object');
    expect(res.body.paths['/api/v1/models/{code}/versions'].post.description).to.contain('finance_officer');
  });
});

describe('the model parameter schema (SPEC §4 rule kinds)', () => {
  /** Model 3 version 1 (guarantee required, "4321" sharing), written out so this block needs no database. */
  const GOVERNMENT_GUARANTEE: ModelParameters = {
    eligibility: { borrowerKinds: ['household', 'enterprise'] },
    subsidy: { rule: 'none' },
    guarantee: {
      required: true,
      coverageRatio: '0.8',
      feeRateCaps: [{ upTo: '5000000.00', rateAnnual: '0.01' }, { rateAnnual: '0.015' }],
      feeSubsidyRates: { household: '0.015', enterprise: '0.005' },
    },
    riskSharing: [
      { party: 'guarantor', ratio: '0.4' },
      { party: 'reguarantor', ratio: '0.3' },
      { party: 'bank', ratio: '0.2' },
      { party: 'government', ratio: '0.1' },
    ],
    capacity: { source: 'guarantor_leverage' },
    compensationTriggerDaysPastDue: 90,
  };

  type Mutation = (p: Record<string, any>) => void;
  const refused: Array<[string, Mutation, string, string]> = [
    ['a zero ratio', (p) => (p.riskSharing[3].ratio = '0.0'), 'riskSharing.3.ratio', 'ratio.invalid'],
    ['ratios summing to 1.1', (p) => (p.riskSharing[0].ratio = '0.5'), 'riskSharing', 'riskSharing.sum'],
    ['a party named twice', (p) => (p.riskSharing = [{ party: 'bank', ratio: '0.5' }, { party: 'bank', ratio: '0.5' }]), 'riskSharing.1', 'array.unique'],
    ['seven parties', (p) => (p.riskSharing = Array.from({ length: 7 }, () => ({ party: 'bank', ratio: '0.1' }))), 'riskSharing', 'array.max'],
    ['no party', (p) => (p.riskSharing = []), 'riskSharing', 'array.min'],
    ['a ratio with 5 decimals', (p) => (p.riskSharing = [{ party: 'bank', ratio: '0.33333' }, { party: 'government', ratio: '0.66667' }]), 'riskSharing.0.ratio', 'ratio.invalid'],
    ['an unknown party', (p) => (p.riskSharing[0].party = 'mayor'), 'riskSharing.0.party', 'any.only'],
    ['a coverage ratio above 1', (p) => (p.guarantee.coverageRatio = '1.2'), 'guarantee.coverageRatio', 'ratio.invalid'],
    ['a required guarantee without coverage', (p) => delete p.guarantee.coverageRatio, 'guarantee.coverageRatio', 'any.required'],
    ['a required guarantee without fee bands', (p) => (p.guarantee.feeRateCaps = []), 'guarantee.feeRateCaps', 'array.min'],
    ['a closed last fee band', (p) => (p.guarantee.feeRateCaps[1].upTo = '9000000.00'), 'guarantee.feeRateCaps', 'feeRateCaps.lastOpen'],
    ['an open fee band before the last', (p) => p.guarantee.feeRateCaps.unshift({ rateAnnual: '0.005' }), 'guarantee.feeRateCaps', 'feeRateCaps.upToMissing'],
    [
      'fee bands not increasing',
      (p) => p.guarantee.feeRateCaps.unshift({ upTo: '6000000.00', rateAnnual: '0.005' }),
      'guarantee.feeRateCaps',
      'feeRateCaps.increasing',
    ],
    ['no fee-subsidy rates', (p) => delete p.guarantee.feeSubsidyRates, 'guarantee.feeSubsidyRates', 'any.required'],
    ['a coverage ratio on a guarantee not required', (p) => (p.guarantee = { required: false, coverageRatio: '0.8' }), 'guarantee.coverageRatio', 'any.unknown'],
    ['a risk fund without a multiple', (p) => (p.capacity = { source: 'risk_fund' }), 'capacity.multiple', 'any.required'],
    ['a risk fund with multiple 0', (p) => (p.capacity = { source: 'risk_fund', multiple: '0' }), 'capacity.multiple', 'multiple.invalid'],
    ['a circuit breaker above 1', (p) => (p.circuitBreaker = { townshipNplRatio: '1.5', villageNplRatio: '0.07' }), 'circuitBreaker.townshipNplRatio', 'ratio.invalid'],
    ['an age range upside down', (p) => (p.eligibility.borrowerAgeRange = { min: 65, max: 18 }), 'eligibility.borrowerAgeRange', 'ageRange.order'],
    ['an age of 121', (p) => (p.eligibility.borrowerAgeRange = { min: 18, max: 121 }), 'eligibility.borrowerAgeRange.max', 'number.max'],
    ['a term cap of 0 months', (p) => (p.eligibility.termCapMonths = 0), 'eligibility.termCapMonths', 'number.min'],
    ['a term cap of 601 months', (p) => (p.eligibility.termCapMonths = 601), 'eligibility.termCapMonths', 'number.max'],
    ['a principal cap with 3 decimals', (p) => (p.eligibility.principalCap = '50000.001'), 'eligibility.principalCap', 'money.invalid'],
    ['a principal cap of zero', (p) => (p.eligibility.principalCap = '0.00'), 'eligibility.principalCap', 'money.positive'],
    ['a rate multiple that is not a number', (p) => (p.eligibility.rateCapMultipleOfReference = 'x1.1'), 'eligibility.rateCapMultipleOfReference', 'multiple.invalid'],
    ['a trigger of 0 days', (p) => (p.compensationTriggerDaysPastDue = 0), 'compensationTriggerDaysPastDue', 'number.min'],
    ['a trigger of 3651 days', (p) => (p.compensationTriggerDaysPastDue = 3651), 'compensationTriggerDaysPastDue', 'number.max'],
    ['a linked-base subsidy without its quota', (p) => (p.subsidy = { rule: 'fixed_rate_on_linked_base', rateAnnual: '0.02' }), 'subsidy.quotaPerHousehold', 'any.required'],
    ['a spread on a full subsidy', (p) => (p.subsidy = { rule: 'full_up_to_reference', spread: '0.015' }), 'subsidy.spread', 'any.unknown'],
    ['enterprise kinds on a households-only model', (p) => (p.eligibility = { borrowerKinds: ['household'], enterpriseKinds: ['company'] }), 'eligibility', 'eligibility.needsKind'],
    ['an unknown key', (p) => (p.eligibility.maxCows = 3), 'eligibility.maxCows', 'object.unknown'],
  ];

  it('when the seeded model 3 parameters are checked, then they pass', () => {
    expect(validateModelParameters(GOVERNMENT_GUARANTEE).problems).to.deep.equal([]);
  });

  for (const [name, mutate, path, type] of refused) {
    it(`when a parameter set has ${name}, then it is refused at ${path} (${type})`, () => {
      const parameters = clone(GOVERNMENT_GUARANTEE) as unknown as Record<string, any>;
      mutate(parameters);
      const { value, problems } = validateModelParameters(parameters);
      expect(value).to.equal(undefined);
      expect(problems.map((p) => `${p.path} ${p.type}`), JSON.stringify(problems)).to.include(`${path} ${type}`);
    });
  }

  it('when the ratios sum to 1.1, then the message names riskSharing and the sum', () => {
    const parameters = clone(GOVERNMENT_GUARANTEE);
    parameters.riskSharing[0].ratio = '0.5';
    const [problem] = validateModelParameters(parameters).problems;
    expect(problem.message).to.equal('riskSharing ratios must sum to exactly 1; they sum to 1.1');
  });

  it('when ratios like 0.1 + 0.2 + 0.7 sum to 1 only in decimal arithmetic, then they pass', () => {
    const parameters = clone(GOVERNMENT_GUARANTEE);
    parameters.riskSharing = [{ party: 'guarantor', ratio: '0.1' }, { party: 'bank', ratio: '0.2' }, { party: 'government', ratio: '0.7' }];
    expect(validateModelParameters(parameters).problems).to.deep.equal([]);
  });
});
