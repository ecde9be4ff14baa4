/**
 * "M" standard extension, RV64M (RISC-V Unprivileged ISA 20191213, ch. 7): the general paths.
 * The interpreter (cpu.ts) inlines the fast paths (operands that fit in 32 bits); these handle
 * every other case exactly: 64x64-bit products from 32-bit limbs, division through BigInt.
 * Registers are int32 halves: x[r] low word, x[r + 1] high word (r already doubled).
 *
 * Division by zero (ch. 7.2, table 7.1): quotient all ones, remainder the dividend; signed
 * overflow (-2^63 / -1): quotient -2^63, remainder 0. No trap.
 */

/** High word of the last {@link mulu32} (module scratch: no allocation). */
let mHi = 0;

/** Unsigned 32x32 -> 64 product; returns the low word (int32), the high word in mHi. */
function mulu32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const t = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  mHi = (p11 + (p01 >>> 16) + (p10 >>> 16) + (t >>> 16)) | 0;
  return Math.imul(a, b);
}

/** MUL: low 64 bits of the product. */
export function MUL(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const al = x[rs1]!, ah = x[rs1 + 1]!, bl = x[rs2]!, bh = x[rs2 + 1]!;
  const lo = mulu32(al, bl);
  x[rd + 1] = (mHi + Math.imul(al, bh) + Math.imul(ah, bl)) | 0;
  x[rd] = lo;
}

/** 128-bit unsigned product words w2 (returned) and w3 (in mHi) of (ah:al) * (bh:bl). */
function mulhu64(al: number, ah: number, bl: number, bh: number): number {
  mulu32(al, bl); const h00 = mHi >>> 0;
  const l01 = mulu32(al, bh) >>> 0; const h01 = mHi >>> 0;
  const l10 = mulu32(ah, bl) >>> 0; const h10 = mHi >>> 0;
  const l11 = mulu32(ah, bh) >>> 0; const h11 = mHi >>> 0;
  const s1 = h00 + l01 + l10;                      // < 3 * 2^32
  const s2 = h01 + h10 + l11 + Math.floor(s1 / 4294967296);
  mHi = (h11 + Math.floor(s2 / 4294967296)) | 0;
  return s2 | 0;
}

/** Writes (hi:lo) - (bh:bl) into x[rd]; helper for the signed corrections. */
function sub64(lo: number, hi: number, bl: number, bh: number): number {
  const l = (lo - bl) | 0;
  mHi = (hi - bh - ((lo >>> 0) < (bl >>> 0) ? 1 : 0)) | 0;
  return l;
}

/** MULHU: high 64 bits of the unsigned x unsigned product. */
export function MULHU(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const lo = mulhu64(x[rs1]!, x[rs1 + 1]!, x[rs2]!, x[rs2 + 1]!);
  x[rd + 1] = mHi; x[rd] = lo;
}

/** MULH: high 64 bits of the signed x signed product (unsigned product minus corrections). */
export function MULH(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const al = x[rs1]!, ah = x[rs1 + 1]!, bl = x[rs2]!, bh = x[rs2 + 1]!;
  let lo = mulhu64(al, ah, bl, bh), hi = mHi;
  if (ah < 0) { lo = sub64(lo, hi, bl, bh); hi = mHi; }
  if (bh < 0) { lo = sub64(lo, hi, al, ah); hi = mHi; }
  x[rd + 1] = hi; x[rd] = lo;
}

/** MULHSU: high 64 bits of the signed rs1 x unsigned rs2 product. */
export function MULHSU(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const al = x[rs1]!, ah = x[rs1 + 1]!, bl = x[rs2]!, bh = x[rs2 + 1]!;
  let lo = mulhu64(al, ah, bl, bh), hi = mHi;
  if (ah < 0) { lo = sub64(lo, hi, bl, bh); hi = mHi; }
  x[rd + 1] = hi; x[rd] = lo;
}

const MIN64 = -(2n ** 63n);

/** DIV (slow path): signed 64-bit quotient. */
export function DIV(xb: BigInt64Array, rd: number, rs1: number, rs2: number): void {
  const a = xb[rs1 >> 1]!, b = xb[rs2 >> 1]!;
  xb[rd >> 1] = b === 0n ? -1n : a === MIN64 && b === -1n ? MIN64 : a / b;
}

/** DIVU (slow path). */
export function DIVU(xb: BigInt64Array, rd: number, rs1: number, rs2: number): void {
  const a = BigInt.asUintN(64, xb[rs1 >> 1]!), b = BigInt.asUintN(64, xb[rs2 >> 1]!);
  xb[rd >> 1] = b === 0n ? -1n : BigInt.asIntN(64, a / b);
}

/** REM (slow path): sign of the dividend, like BigInt's %. */
export function REM(xb: BigInt64Array, rd: number, rs1: number, rs2: number): void {
  const a = xb[rs1 >> 1]!, b = xb[rs2 >> 1]!;
  xb[rd >> 1] = b === 0n ? a : a === MIN64 && b === -1n ? 0n : a % b;
}

/** REMU (slow path). */
export function REMU(xb: BigInt64Array, rd: number, rs1: number, rs2: number): void {
  const a = BigInt.asUintN(64, xb[rs1 >> 1]!), b = BigInt.asUintN(64, xb[rs2 >> 1]!);
  xb[rd >> 1] = b === 0n ? BigInt.asIntN(64, a) : BigInt.asIntN(64, a % b);
}

/** DIVW: 32-bit signed quotient, sign-extended; /0 -> -1; overflow -> -2^31. */
export function DIVW(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const a = x[rs1]!, b = x[rs2]!;
  const q = b === 0 ? -1 : (a / b) | 0; // ToInt32 truncates toward zero and wraps 2^31
  x[rd] = q; x[rd + 1] = q >> 31;
}

/** DIVUW: 32-bit unsigned quotient, sign-extended; /0 -> all ones. */
export function DIVUW(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const a = x[rs1]! >>> 0, b = x[rs2]! >>> 0;
  const q = b === 0 ? -1 : Math.floor(a / b) | 0;
  x[rd] = q; x[rd + 1] = q >> 31;
}

/** REMW: 32-bit signed remainder, sign-extended; /0 -> dividend; overflow -> 0. */
export function REMW(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const a = x[rs1]!, b = x[rs2]!;
  const r = b === 0 ? a : (a % b) | 0;
  x[rd] = r; x[rd + 1] = r >> 31;
}

/** REMUW: 32-bit unsigned remainder, sign-extended; /0 -> dividend. */
export function REMUW(x: Int32Array, rd: number, rs1: number, rs2: number): void {
  const a = x[rs1]! >>> 0, b = x[rs2]! >>> 0;
  const r = (b === 0 ? a : a % b) | 0;
  x[rd] = r; x[rd + 1] = r >> 31;
}
