/**
 * Row ids for the generated data, unique by construction. The seeded PRNG of src/seed/random.ts
 * has 32 bits of state: streams of different counties are offsets into one cycle of 2^32 draws,
 * so at province scale (about 10^9 draws) two streams can run over the same stretch and would
 * repeat each other's UUIDs. Here an id is (kind, county, serial) spread by a bijective 32-bit mix
 * into the first group (so the first eight hex digits, which guarantee letter numbers quote, differ
 * for every id), then written out in full: version-4-shaped, deterministic, never repeated.
 */
export const ID_KINDS = { household: 1, enterprise: 2, linkage: 3, loan: 4, repayment: 5, guarantee: 6, fund: 7 } as const;
export type IdKind = keyof typeof ID_KINDS;

const SERIAL_BITS = 22;
const MAX_SERIAL = 2 ** SERIAL_BITS;
const MAX_COUNTIES = 128;

export class IdMaker {
  private serial = 0;

  constructor(
    private readonly kind: IdKind,
    private readonly countyIndex: number,
  ) {
    if (countyIndex < 0 || countyIndex >= MAX_COUNTIES) throw new Error(`county index ${countyIndex} out of range`);
  }

  next(): string {
    if (this.serial >= MAX_SERIAL) throw new Error(`more than ${MAX_SERIAL} ${this.kind} ids in one county`);
    const serial = this.serial;
    this.serial += 1;
    const packed = ((this.countyIndex << 25) | (ID_KINDS[this.kind] << SERIAL_BITS) | serial) >>> 0;
    return `${hex(mix(packed), 8)}-${hex(this.countyIndex, 4)}-4${hex(ID_KINDS[this.kind], 3)}-8${hex(serial >>> 12, 3)}-${hex(serial, 12)}`;
  }
}

/** A bijection on 32-bit integers (xor-shift and odd multiply steps), so distinct inputs stay distinct. */
function mix(value: number): number {
  let x = value >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

const hex = (value: number, digits: number): string => (value >>> 0).toString(16).padStart(digits, '0').slice(-digits);
