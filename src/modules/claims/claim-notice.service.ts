import type { Response } from 'express';
import { In, type DataSource } from 'typeorm';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { DomainError } from '../../shared/http/errors';
import { sendPdf } from '../../shared/pdf';
import { Institution } from '../institutions/institution.entity';
import { FinancingModel } from '../models/financing-model.entity';
import { User } from '../users/user.entity';
import { shareStates } from './claim.dto';
import { CLAIM_NOTICE_TITLE, writeClaimNotice, type ClaimNotice } from './claim-notice.pdf';
import type { ClaimsService } from './claims.service';

/** The claim split notice (代偿分担通知书) of an approved claim, as a PDF for the bank (SPEC §7). */
export class ClaimNoticeService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly claims: ClaimsService,
  ) {}

  async noticePdf(context: AuthenticatedContext, id: string, res: Response): Promise<void> {
    const notice = await this.load(context, id);
    await sendPdf(
      res,
      `claim-notice-${notice.claimNumber}.pdf`,
      { title: CLAIM_NOTICE_TITLE, subject: notice.claimNumber, pagination: 'total', generatedAt: new Date() },
      (doc) => writeClaimNotice(doc, notice),
    );
  }

  async load(context: AuthenticatedContext, id: string): Promise<ClaimNotice> {
    const manager = this.dataSource.manager;
    const claim = await this.claims.findScoped(manager, context, id);
    if (claim.status !== 'approved' && claim.status !== 'paid') {
      throw new DomainError('INVALID_STATE', `a ${claim.status} claim has no split notice; the notice is issued on approval`);
    }
    const loan = claim.loan!;
    const institutions = manager.getRepository(Institution);
    const [bank, branch, model, filer, approver, { states }] = await Promise.all([
      institutions.findOneByOrFail({ id: loan.bankId }),
      institutions.findOneByOrFail({ id: loan.branchId }),
      manager.getRepository(FinancingModel).findOneByOrFail({ code: loan.modelCode }),
      manager.getRepository(User).findOneByOrFail({ id: claim.filedBy }),
      manager.getRepository(User).findOneByOrFail({ id: claim.decidedBy! }),
      shareStates(manager, id),
    ]);
    const ids = states.map((s) => s.share.institutionId).filter((i): i is string => i !== null);
    const names = new Map(ids.length === 0 ? [] : (await institutions.findBy({ id: In(ids) })).map((i) => [i.id, i.name]));
    return {
      claimNumber: claim.claimNumber,
      noticeDate: claim.decidedOn!,
      status: claim.status,
      bankName: bank.name,
      branchName: branch.id === bank.id ? '' : branch.name,
      contractNumber: loan.contractNumber,
      borrowerName: loan.household?.headName ?? loan.enterprise?.name ?? '',
      borrowerIdentifier: loan.household?.idNumberMasked ?? loan.enterprise?.uscc ?? '',
      modelName: `${model.nameZh}（${model.nameEn}）`,
      principal: loan.principal,
      claimDate: claim.claimDate,
      principalOutstanding: claim.principalOutstanding,
      interestUnpaid: claim.interestUnpaid,
      lossAmount: claim.lossAmount,
      shares: states.map(({ share, paid, recovered }) => ({
        seq: share.seq,
        party: share.party,
        partyName: share.institutionId ? (names.get(share.institutionId) ?? null) : null,
        ratio: share.ratio,
        amount: share.amount,
        paid,
        recovered,
      })),
      approvedByName: approver.displayName,
      filedByName: filer.displayName,
    };
  }
}
