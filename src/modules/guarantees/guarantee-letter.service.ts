import type { Response } from 'express';
import type { DataSource } from 'typeorm';
import type { AuthenticatedContext } from '../../shared/auth/context';
import { DomainError } from '../../shared/http/errors';
import { sendPdf } from '../../shared/pdf';
import { Institution } from '../institutions/institution.entity';
import { FinancingModel } from '../models/financing-model.entity';
import { User } from '../users/user.entity';
import type { Guarantee } from './guarantee.entity';
import { GUARANTEE_LETTER_TITLE, writeGuaranteeLetter, type GuaranteeLetter } from './guarantee-letter.pdf';
import type { GuaranteesService } from './guarantees.service';

/** The guarantee letter (担保函) of an approved guarantee, as a PDF (SPEC §5, §7). */
export class GuaranteeLetterService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly guarantees: GuaranteesService,
  ) {}

  async letterPdf(context: AuthenticatedContext, id: string, res: Response): Promise<void> {
    const guarantee = await this.guarantees.findScoped(this.dataSource.manager, context, id);
    if (guarantee.status !== 'approved') {
      throw new DomainError('INVALID_STATE', `a ${guarantee.status} guarantee application has no letter; the letter is issued on approval`);
    }
    const letter = await this.load(guarantee);
    await sendPdf(
      res,
      `guarantee-letter-${letter.letterNumber}.pdf`,
      { title: GUARANTEE_LETTER_TITLE, subject: letter.letterNumber, pagination: 'total', generatedAt: new Date() },
      (doc) => writeGuaranteeLetter(doc, letter),
    );
  }

  /** Loads everything the letter prints before a byte is sent (sendPdf streams). */
  async load(guarantee: Guarantee): Promise<GuaranteeLetter> {
    const loan = guarantee.loan!;
    const institutions = this.dataSource.getRepository(Institution);
    const users = this.dataSource.getRepository(User);
    const [bank, branch, model, filer, approver] = await Promise.all([
      institutions.findOneByOrFail({ id: loan.bankId }),
      institutions.findOneByOrFail({ id: loan.branchId }),
      this.dataSource.getRepository(FinancingModel).findOneByOrFail({ code: loan.modelCode }),
      users.findOneByOrFail({ id: guarantee.filedBy }),
      users.findOneByOrFail({ id: guarantee.decidedBy! }),
    ]);
    return {
      letterNumber: guarantee.letterNumber!,
      letterDate: guarantee.decidedOn!,
      guarantorName: guarantee.guarantor!.name,
      guarantorUscc: guarantee.guarantor!.uscc,
      bankName: bank.name,
      branchName: branch.id === bank.id ? '' : branch.name,
      borrowerName: loan.household?.headName ?? loan.enterprise?.name ?? '',
      borrowerIdentifier: loan.household?.idNumberMasked ?? loan.enterprise?.uscc ?? '',
      contractNumber: loan.contractNumber,
      modelName: `${model.nameZh} / ${model.nameEn}`,
      principal: loan.principal,
      rateAnnual: loan.rateAnnual,
      contractDate: loan.contractDate,
      maturityDate: loan.currentMaturityDate,
      termMonths: loan.termMonths,
      repaymentMethod: loan.repaymentMethod,
      guaranteedAmount: guarantee.guaranteedAmount,
      coverageRatio: guarantee.coverageRatio,
      feeRateAnnual: guarantee.feeRateAnnual,
      feeSubsidyRateAnnual: guarantee.feeSubsidyRateAnnual,
      filedByName: filer.displayName,
      approvedByName: approver.displayName,
    };
  }
}
