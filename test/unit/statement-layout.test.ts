import { expect } from 'chai';
import { placeOfLine, planStatement } from '../../src/modules/settlements/statement-layout';
import { printedSha256 } from '../../src/modules/settlements/statement-hash';

describe('statement layout: the page count is known before the first page is written (SPEC §7 "page x of y")', () => {
  it('when a batch has no lines or a few, then the table and the summary share the first page', () => {
    expect(planStatement(0, 0)).to.include({ linePages: 1, summaryOnOwnPage: false, totalPages: 1 });
    expect(planStatement(5, 2)).to.include({ linePages: 1, summaryOnOwnPage: false, totalPages: 1 });
  });

  it('when the first page is full of lines, then the summary starts a page of its own', () => {
    const plan = planStatement(28, 1);
    expect(plan).to.include({ firstPageRows: 28, rowsPerPage: 36, linePages: 1, summaryOnOwnPage: true, totalPages: 2 });
  });

  it('when a batch has 10,000 lines, then 1 + ⌈9,972 / 36⌉ pages of lines and one for the summary', () => {
    expect(planStatement(10_000, 4)).to.include({ linePages: 278, summaryOnOwnPage: true, totalPages: 279 });
    expect(placeOfLine(planStatement(10_000, 4), 0)).to.deep.equal({ page: 1, row: 0 });
    expect(placeOfLine(planStatement(10_000, 4), 28)).to.deep.equal({ page: 2, row: 0 });
    expect(placeOfLine(planStatement(10_000, 4), 9_999)).to.deep.equal({ page: 278, row: 35 });
  });

  it('when the last page of lines has room, then the summary goes below the table', () => {
    const plan = planStatement(28 + 36 + 5, 3);
    expect(plan).to.include({ linePages: 3, summaryOnOwnPage: false, totalPages: 3 });
  });

  it('when the input is not a PDF or carries no hash, then no hash is found', () => {
    expect(printedSha256(Buffer.from('hello'))).to.equal(null);
    expect(printedSha256(Buffer.from('%PDF-1.3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n'))).to.equal(null);
  });
});
