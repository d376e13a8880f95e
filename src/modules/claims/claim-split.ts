// Splitting a claim's loss, and later recoveries, among the risk-sharing parties (SPEC §6.4).
import { CoreInputError, invariant } from '../../core/errors';
import { asCoreDecimal, Decimal, splitLargestRemainder, sumMoney } from '../../core';
import type { RiskParty } from '../models/model-parameters';

export interface PartyShare {
  /** 1-based, in the model's order (which breaks ties in §6.4). */
  seq: number;
  party: RiskParty;
  ratio: Decimal;
  amount: Decimal;
}

const RATIO_TEXT = /^\d{1,2}(\.\d{1,20})?$/;

/**
 * The loss split by the model version's risk sharing (SPEC §6.4, largest remainder): the shares sum to
 * the loss exactly. Ratios that do not sum to exactly 1 are refused (RATIOS_NOT_ONE), as is a party
 * listed twice, since its share could then not be told apart.
 * Example: 10,000.01 by guarantor 0.4 / re-guarantor 0.3 / bank 0.2 / government 0.1 →
 * 4,000.01 / 3,000.00 / 2,000.00 / 1,000.00; 1,234.57 by risk fund 0.8 / bank 0.2 → 987.66 / 246.91.
 */
export function splitClaim(loss: Decimal, sharing: readonly { party: RiskParty; ratio: string }[]): PartyShare[] {
  const ratios = sharing.map((entry, index) => {
    if (typeof entry.ratio !== 'string' || !RATIO_TEXT.test(entry.ratio)) {
      throw new CoreInputError('INVALID_RATIO', 'A risk-sharing ratio must be a decimal string such as "0.4".', { index, ratio: String(entry.ratio) });
    }
    return new Decimal(entry.ratio);
  });
  const parties = new Set(sharing.map((entry) => entry.party));
  if (parties.size !== sharing.length) {
    throw new CoreInputError('INVALID_RATIO', 'A party appears twice in the risk sharing.', { parties: sharing.map((entry) => entry.party) });
  }
  const amounts = splitLargestRemainder(loss, ratios);
  return sharing.map((entry, index) => ({ seq: index + 1, party: entry.party, ratio: ratios[index]!, amount: amounts[index]! }));
}

export interface RecoveryRoom {
  ratio: Decimal;
  /** What the party has paid on the claim. */
  paid: Decimal;
  /** What has already been given back to it. */
  recovered: Decimal;
}

/**
 * A recovery (追偿) split back in the claim's ratios (SPEC §5, §6.4), never giving a party more than it
 * paid and has not yet had back. The caller has checked that the recovery is at most the total still
 * unrecovered. When it is exactly that total, each party simply gets its remainder, so that once
 * everything is recovered every party is back to zero to the fen. Otherwise the §6.4 split is taken;
 * should a rounding fen push a party past its remainder (only possible near the end of several
 * recoveries), the excess goes to the other parties with room left, in the model's order.
 */
export function splitRecovery(amount: Decimal, parties: readonly RecoveryRoom[]): Decimal[] {
  const total = asCoreDecimal(amount);
  const rooms = parties.map((p) => asCoreDecimal(p.paid).minus(asCoreDecimal(p.recovered)));
  const totalRoom = sumMoney(rooms);
  invariant(total.gt(0) && total.lte(totalRoom), 'a recovery must be above 0 and at most what is unrecovered', { amount: total.toString(), room: totalRoom.toString() });
  if (total.eq(totalRoom)) return rooms;
  const shares = splitLargestRemainder(total, parties.map((p) => p.ratio));
  let excess = new Decimal(0);
  shares.forEach((share, index) => {
    if (share.gt(rooms[index]!)) {
      excess = excess.plus(share.minus(rooms[index]!));
      shares[index] = rooms[index]!;
    }
  });
  for (let index = 0; index < shares.length && excess.gt(0); index += 1) {
    const give = Decimal.min(excess, rooms[index]!.minus(shares[index]!));
    shares[index] = shares[index]!.plus(give);
    excess = excess.minus(give);
  }
  invariant(sumMoney(shares).eq(total), 'recovery shares must sum to the recovery', { amount: total.toString() });
  return shares;
}
