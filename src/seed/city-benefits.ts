import { addDays, compareDates, maxDate, minDate, type IsoDate } from '../core/dates';
import type { BenefitKind, BenefitStatus } from '../modules/benefits/benefit-record.entity';
import type { LinkageType } from '../modules/linkages/linkage.entity';
import { registrarOf, type SeedUserKey } from './city-households';
import type { SeedEnterprise } from './city-enterprises';
import type { SeedLinkage } from './city-linkages';
import { formatCents } from './money-text';
import { Random } from './random';

export interface SeedBenefit {
  id: string;
  linkageId: string;
  householdId: string;
  enterpriseId: string | null;
  regionPath: string;
  paidOn: IsoDate;
  /** Exact yuan and fen, as text. */
  amount: string;
  kind: BenefitKind;
  note: string | null;
  status: BenefitStatus;
  reportedBy: SeedUserKey;
  /** ISO timestamps (UTC). */
  reportedAt: string;
  decidedBy: SeedUserKey | null;
  decidedAt: string | null;
  rejectReason: string | null;
}

const KIND_OF: Record<LinkageType, BenefitKind> = {
  employment: 'wage',
  dividend: 'dividend',
  equity: 'dividend',
  land_lease: 'rent',
  facility_lease: 'rent',
  order_purchase: 'purchase',
  joint_operation: 'other',
  self_employment_support: 'other',
};
const NOTE_OF: Record<BenefitKind, string | null> = { wage: '务工工资', dividend: '年度分红', rent: '流转租金', purchase: '订单收购款', other: null };
const REJECT_REASONS = ['金额与协议约定不符', '缺少农户签收凭证', '与已确认记录重复'] as const;
/** Payments are dated on or before this day, so reports and decisions on them are in the past too. */
const LAST_PAYMENT = '2026-09-30' as IsoDate;
const FIRST_PAYMENT = '2025-01-01' as IsoDate;

/**
 * Money delivered under some linkages in 2025–2026: about a third of enterprise linkages (half of
 * the fixed demo firm's, so its user has something to see) and a few neighbour linkages. Most are
 * confirmed by the county's poverty office, some still reported, a few rejected with a reason.
 * Enterprises without a user of their own report through the admin.
 */
export function generateBenefits(seed: number, linkages: readonly SeedLinkage[], enterprises: readonly SeedEnterprise[]): SeedBenefit[] {
  const random = new Random(seed, 'benefits');
  const keyOf = new Map(enterprises.map((e) => [e.id, e.key]));
  const benefits: SeedBenefit[] = [];
  for (const linkage of linkages) {
    const fromEnterprise = linkage.sourceEnterpriseId !== null;
    const reporter: SeedUserKey = fromEnterprise && keyOf.get(linkage.sourceEnterpriseId!) === 'fengyuan' ? 'enterprise' : 'admin';
    const share = reporter === 'enterprise' ? 0.5 : fromEnterprise ? 0.33 : 0.08;
    if (!random.chance(share)) continue;
    const from = maxDate(linkage.startDate, FIRST_PAYMENT);
    let to = minDate(linkage.endDate ?? LAST_PAYMENT, LAST_PAYMENT);
    if (linkage.endedOn) to = minDate(to, addDays(linkage.endedOn, -1));
    if (compareDates(from, to) > 0) continue;
    const payments = fromEnterprise ? random.int(1, 4) : 1;
    for (let n = 0; n < payments; n += 1) benefits.push(payment(random, linkage, reporter, random.date(from, to)));
  }
  return benefits;
}

function payment(random: Random, linkage: SeedLinkage, reporter: SeedUserKey, paidOn: IsoDate): SeedBenefit {
  const kind = KIND_OF[linkage.type];
  // A payment is a part of the agreed annual benefit: a month's wage to a half-year's rent.
  const cents = Math.max(100, random.int(Math.floor(linkage.agreedAnnualBenefitCents / 12), Math.floor(linkage.agreedAnnualBenefitCents / 2)));
  const roll = random.next();
  const status: BenefitStatus = roll < 0.75 ? 'confirmed' : roll < 0.95 ? 'reported' : 'rejected';
  const reportedOn = addDays(paidOn, random.int(1, 10));
  const decided = status !== 'reported';
  return {
    id: random.uuid(),
    linkageId: linkage.id,
    householdId: linkage.householdId,
    enterpriseId: linkage.sourceEnterpriseId,
    regionPath: linkage.regionPath,
    paidOn,
    amount: formatCents(cents),
    kind,
    note: NOTE_OF[kind] === null ? null : `${paidOn.slice(0, 4)}年${NOTE_OF[kind]}`,
    status,
    reportedBy: reporter,
    // Office hours in Beijing time: 09:30 and 15:00 are 01:30 and 07:00 UTC.
    reportedAt: `${reportedOn}T01:30:00.000Z`,
    decidedBy: decided ? registrarOf(linkage.countyCode) : null,
    decidedAt: decided ? `${addDays(reportedOn, random.int(1, 30))}T07:00:00.000Z` : null,
    rejectReason: status === 'rejected' ? random.pick(REJECT_REASONS) : null,
  };
}
