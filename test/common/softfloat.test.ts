// Hand-made cases for arch/common/softfloat.ts: round-to-nearest-max-magnitude (RMM, which the
// x86 vector oracle cannot produce), tininess before rounding (Arm), signed zeros, special
// operands and the flag contract. Every case checks result bits and the full flag word.
import test from 'ava';
import * as sf from '../../arch/common/softfloat';
import { FLAG_DZ, FLAG_NV, FLAG_NX, FLAG_OF, FLAG_UF, FpEnv, Rm } from '../../arch/common/softfloat';

const dv = new DataView(new ArrayBuffer(8));
function hex64(x: number): string { dv.setFloat64(0, x); return dv.getBigUint64(0).toString(16).padStart(16, '0'); }
function hex32(x: number): string { dv.setFloat32(0, x); return dv.getUint32(0).toString(16).padStart(8, '0'); }
function d(h: string): number { dv.setBigUint64(0, BigInt('0x' + h)); return dv.getFloat64(0); }
function s(h: string): number { dv.setUint32(0, parseInt(h, 16)); return dv.getFloat32(0); }
const p2 = (e: number): number => Math.pow(2, e);
const MAX64 = d('7fefffffffffffff');
const MAX32 = s('7f7fffff');

type Case = [name: string, run: (env: FpEnv) => number | bigint, bits: string, flags: number];

function check(cases: Case[], before = false): (t: import('ava').ExecutionContext) => void {
  return (t) => {
    for (const [name, run, bits, flags] of cases) {
      const env = new FpEnv();
      env.tininessBeforeRounding = before;
      const r = run(env);
      // Expected bits: 16/8/4 hex digits for binary64/32/16, decimal for integers.
      const dec = typeof r === 'bigint' || ![4, 8, 16].includes(bits.length);
      const got = dec ? r.toString() : bits.length === 8 ? hex32(r as number) : bits.length === 4 ? r.toString(16).padStart(4, '0') : hex64(r as number);
      t.deepEqual([got, env.flags], [bits, flags], name);
    }
  };
}

test('RMM binary64: ties round away from zero, non-ties as RNE', check([
  ['add tie up', (e) => sf.f64Add(1, p2(-53), Rm.RMM, e), '3ff0000000000001', FLAG_NX],
  ['add tie RNE', (e) => sf.f64Add(1, p2(-53), Rm.RNE, e), '3ff0000000000000', FLAG_NX],
  ['add tie negative', (e) => sf.f64Add(-1, -p2(-53), Rm.RMM, e), 'bff0000000000001', FLAG_NX],
  ['add tie to odd neighbour', (e) => sf.f64Add(1 + p2(-52), p2(-53), Rm.RMM, e), '3ff0000000000002', FLAG_NX],
  ['add below tie', (e) => sf.f64Add(1, p2(-54), Rm.RMM, e), '3ff0000000000000', FLAG_NX],
  ['sub tie', (e) => sf.f64Sub(2, p2(-53), Rm.RMM, e), '4000000000000000', FLAG_NX],
  ['mul tie', (e) => sf.f64Mul(1 + p2(-27), 1 + p2(-26), Rm.RMM, e), '3ff0000006000001', FLAG_NX],
  ['mul tie RNE', (e) => sf.f64Mul(1 + p2(-27), 1 + p2(-26), Rm.RNE, e), '3ff0000006000000', FLAG_NX],
  ['fma tie', (e) => sf.f64Fma(1, 1, p2(-53), Rm.RMM, e), '3ff0000000000001', FLAG_NX],
  ['fma tie inexact product', (e) => sf.f64Fma(1 + p2(-30), 1 + p2(-30), -p2(-60) + p2(-53), Rm.RMM, e), '3ff0000000800001', FLAG_NX],
  ['div = RNE', (e) => sf.f64Div(1, 3, Rm.RMM, e), '3fd5555555555555', FLAG_NX],
  ['sqrt = RNE', (e) => sf.f64Sqrt(2, Rm.RMM, e), '3ff6a09e667f3bcd', FLAG_NX],
  ['overflow', (e) => sf.f64Add(MAX64, p2(970), Rm.RMM, e), '7ff0000000000000', FLAG_OF | FLAG_NX],
  ['below overflow tie', (e) => sf.f64Add(MAX64, p2(969), Rm.RMM, e), '7fefffffffffffff', FLAG_NX],
  ['subnormal tie', (e) => sf.f64Mul(p2(-1074), 0.5, Rm.RMM, e), '0000000000000001', FLAG_UF | FLAG_NX],
  ['subnormal tie RNE', (e) => sf.f64Mul(p2(-1074), 0.5, Rm.RNE, e), '0000000000000000', FLAG_UF | FLAG_NX],
  ['subnormal tie 3/2', (e) => sf.f64Mul(3 * p2(-1074), 0.5, Rm.RMM, e), '0000000000000002', FLAG_UF | FLAG_NX],
  ['i64 tie', (e) => sf.i64ToF64(2n ** 53n + 1n, Rm.RMM, e), '4340000000000001', FLAG_NX],
  ['i64 tie RNE', (e) => sf.i64ToF64(2n ** 53n + 1n, Rm.RNE, e), '4340000000000000', FLAG_NX],
  ['u64 tie', (e) => sf.u64ToF64(2n ** 64n - 1n, Rm.RMM, e), '43f0000000000000', FLAG_NX],
  ['roundToInt -0.5', (e) => sf.f64RoundToInt(-0.5, Rm.RMM, e, true), 'bff0000000000000', FLAG_NX],
  ['roundToInt 2.5', (e) => sf.f64RoundToInt(2.5, Rm.RMM, e, false), '4008000000000000', 0],
  ['roundToInt -0.4', (e) => sf.f64RoundToInt(-0.4, Rm.RMM, e, true), '8000000000000000', FLAG_NX],
]));

test('RMM binary32 and conversions', check([
  ['add tie', (e) => sf.f32Add(1, p2(-24), Rm.RMM, e), '3f800001', FLAG_NX],
  ['add far below tie', (e) => sf.f32Add(1, p2(-60), Rm.RMM, e), '3f800000', FLAG_NX],
  ['mul tie', (e) => sf.f32Mul(1 + p2(-12), 1 + p2(-12), Rm.RMM, e), '3f801001', FLAG_NX],
  ['mul tie RNE', (e) => sf.f32Mul(1 + p2(-12), 1 + p2(-12), Rm.RNE, e), '3f801000', FLAG_NX],
  ['fma tie', (e) => sf.f32Fma(1, 1, p2(-24), Rm.RMM, e), '3f800001', FLAG_NX],
  ['fma tie broken by tail', (e) => sf.f32Fma(1, 1, p2(-24) - p2(-60), Rm.RMM, e), '3f800000', FLAG_NX],
  ['fma tie broken by tail RNE', (e) => sf.f32Fma(1 + p2(-23), 1, p2(-24) - p2(-49), Rm.RNE, e), '3f800001', FLAG_NX],
  ['f64ToF32 tie', (e) => sf.f64ToF32(1 + p2(-24), Rm.RMM, e), '3f800001', FLAG_NX],
  ['f64ToF32 tie negative', (e) => sf.f64ToF32(-(1 + p2(-24)), Rm.RMM, e), 'bf800001', FLAG_NX],
  ['f64ToF32 overflow tie', (e) => sf.f64ToF32(MAX32 + p2(103), Rm.RMM, e), '7f800000', FLAG_OF | FLAG_NX],
  ['f64ToF32 subnormal tie', (e) => sf.f64ToF32(p2(-150), Rm.RMM, e), '00000001', FLAG_UF | FLAG_NX],
  ['div = RNE', (e) => sf.f32Div(2, 3, Rm.RMM, e), '3f2aaaab', FLAG_NX],
  ['i32 tie', (e) => sf.i32ToF32(0x1000001, Rm.RMM, e), '4b800001', FLAG_NX],
  ['u32 tie', (e) => sf.u32ToF32(0xffffff80, Rm.RMM, e), '4f800000', FLAG_NX],
  ['i64 tie', (e) => sf.i64ToF32(-(2n ** 40n + 2n ** 16n), Rm.RMM, e), 'd3800001', FLAG_NX],
  ['f16 tie', (e) => sf.f32ToF16(1 + p2(-11), Rm.RMM, e), '3c01', FLAG_NX],
  ['f16 tie RNE', (e) => sf.f32ToF16(1 + p2(-11), Rm.RNE, e), '3c00', FLAG_NX],
  ['f16 subnormal tie', (e) => sf.f32ToF16(p2(-25), Rm.RMM, e), '0001', FLAG_UF | FLAG_NX],
  ['f16 overflow', (e) => sf.f32ToF16(65520, Rm.RMM, e), '7c00', FLAG_OF | FLAG_NX],
  ['f32ToI32 2.5', (e) => sf.f32ToI32(2.5, Rm.RMM, e), '3', FLAG_NX],
  ['f64ToI32 -2.5', (e) => sf.f64ToI32(-2.5, Rm.RMM, e), '-3', FLAG_NX],
  ['f64ToI32 -2.5 RNE', (e) => sf.f64ToI32(-2.5, Rm.RNE, e), '-2', FLAG_NX],
  ['f64ToU32 0.5', (e) => sf.f64ToU32(0.5, Rm.RMM, e), '1', FLAG_NX],
  ['f64ToU32 -0.5', (e) => sf.f64ToU32(-0.5, Rm.RMM, e), '0', FLAG_NV],
  ['f64ToI64 tie', (e) => sf.f64ToI64(-4503599627370495.5, Rm.RMM, e), '-4503599627370496', FLAG_NX],
  ['f32ToU64 1.5', (e) => sf.f32ToU64(1.5, Rm.RMM, e), '2', FLAG_NX],
]));

// Exact value 2^emin - 2^(emin-55): rounds to 2^emin; tiny only when detected before rounding.
const tinyCases: Case[] = [
  ['f64 fma', (e) => sf.f64Fma(p2(-1000), -p2(-77), p2(-1022), Rm.RNE, e), '0010000000000000', FLAG_NX],
  ['f64 fma RUP', (e) => sf.f64Fma(p2(-1000), -p2(-77), p2(-1022), Rm.RUP, e), '0010000000000000', FLAG_NX],
  ['f32 fma', (e) => sf.f32Fma(p2(-100), -p2(-53), p2(-126), Rm.RNE, e), '00800000', FLAG_NX],
  ['f64ToF32', (e) => sf.f64ToF32(p2(-126) - p2(-152), Rm.RNE, e), '00800000', FLAG_NX],
  ['f64ToF32 RUP', (e) => sf.f64ToF32(p2(-126) - p2(-160), Rm.RUP, e), '00800000', FLAG_NX],
  ['f16', (e) => sf.f32ToF16(p2(-14) - p2(-26), Rm.RNE, e), '0400', FLAG_NX],
];
test('tininess after rounding (RISC-V, x86)', check(tinyCases));
test('tininess before rounding (Arm)', check(tinyCases.map(([n, r, b, f]) => [n, r, b, f | FLAG_UF] as Case), true));
test('tininess before rounding: exact tiny results raise nothing', check([
  ['f64 exact subnormal', (e) => sf.f64Mul(p2(-1070), 0.5, Rm.RNE, e), '0000000000000008', 0],
  ['f32 exact subnormal', (e) => sf.f32Mul(p2(-140), 0.5, Rm.RNE, e), '00000100', 0],
  ['f64 RTZ below 2^emin', (e) => sf.f64Fma(p2(-1000), -p2(-77), p2(-1022), Rm.RTZ, e), '000fffffffffffff', FLAG_UF | FLAG_NX],
], true));

test('signed zeros', check([
  ['x + -x RNE', (e) => sf.f64Add(1, -1, Rm.RNE, e), '0000000000000000', 0],
  ['x + -x RDN', (e) => sf.f64Add(1, -1, Rm.RDN, e), '8000000000000000', 0],
  ['x - x RDN', (e) => sf.f64Sub(3.5, 3.5, Rm.RDN, e), '8000000000000000', 0],
  ['+0 + +0 RDN', (e) => sf.f64Add(0, 0, Rm.RDN, e), '0000000000000000', 0],
  ['-0 + +0 RDN', (e) => sf.f64Add(-0, 0, Rm.RDN, e), '8000000000000000', 0],
  ['-0 + +0 RUP', (e) => sf.f64Add(-0, 0, Rm.RUP, e), '0000000000000000', 0],
  ['-0 + -0 RNE', (e) => sf.f64Add(-0, -0, Rm.RNE, e), '8000000000000000', 0],
  ['-0 - +0 RTZ', (e) => sf.f64Sub(-0, 0, Rm.RTZ, e), '8000000000000000', 0],
  ['f32 x + -x RDN', (e) => sf.f32Add(1.5, -1.5, Rm.RDN, e), '80000000', 0],
  ['f32 x + -x RMM', (e) => sf.f32Add(1.5, -1.5, Rm.RMM, e), '00000000', 0],
  ['fma cancel RDN', (e) => sf.f64Fma(3, 5, -15, Rm.RDN, e), '8000000000000000', 0],
  ['fma -0*1 + +0 RNE', (e) => sf.f64Fma(-0, 1, 0, Rm.RNE, e), '0000000000000000', 0],
  ['fma -0*1 + +0 RDN', (e) => sf.f64Fma(-0, 1, 0, Rm.RDN, e), '8000000000000000', 0],
  ['fma -0*1 + -0', (e) => sf.f64Fma(-0, 1, -0, Rm.RUP, e), '8000000000000000', 0],
  ['f32 fma -0*1 + +0 RDN', (e) => sf.f32Fma(-0, 1, 0, Rm.RDN, e), '80000000', 0],
  ['f32 fma cancel RDN', (e) => sf.f32Fma(3, 5, -15, Rm.RDN, e), '80000000', 0],
  ['fma underflow keeps product sign', (e) => sf.f64Fma(p2(-600), -p2(-600), 0, Rm.RNE, e), '8000000000000000', FLAG_UF | FLAG_NX],
  ['mul underflow RDN', (e) => sf.f64Mul(p2(-600), -p2(-600), Rm.RDN, e), '8000000000000001', FLAG_UF | FLAG_NX],
  ['sqrt -0', (e) => sf.f64Sqrt(-0, Rm.RNE, e), '8000000000000000', 0],
  ['roundToInt -0.3 RUP', (e) => sf.f64RoundToInt(-0.3, Rm.RUP, e, true), '8000000000000000', FLAG_NX],
  ['f16 -0', (e) => sf.f32ToF16(-0, Rm.RNE, e), '8000', 0],
]));

test('invalid, divide by zero, NaN inputs', check([
  ['inf - inf', (e) => sf.f64Add(Infinity, -Infinity, Rm.RNE, e), '7ff8000000000000', FLAG_NV],
  ['0 * inf', (e) => sf.f64Mul(0, -Infinity, Rm.RNE, e), '7ff8000000000000', FLAG_NV],
  ['0 / 0', (e) => sf.f64Div(0, -0, Rm.RNE, e), '7ff8000000000000', FLAG_NV],
  ['inf / inf', (e) => sf.f32Div(Infinity, Infinity, Rm.RNE, e), '7fc00000', FLAG_NV],
  ['1 / -0', (e) => sf.f64Div(1, -0, Rm.RNE, e), 'fff0000000000000', FLAG_DZ],
  ['inf / 0', (e) => sf.f64Div(Infinity, 0, Rm.RNE, e), '7ff0000000000000', 0],
  ['sqrt(-1)', (e) => sf.f64Sqrt(-1, Rm.RNE, e), '7ff8000000000000', FLAG_NV],
  ['sqrt(-inf)', (e) => sf.f32Sqrt(-Infinity, Rm.RNE, e), '7fc00000', FLAG_NV],
  ['fma inf*0 + qNaN (RISC-V/Arm rule)', (e) => sf.f64Fma(Infinity, 0, NaN, Rm.RNE, e), '7ff8000000000000', FLAG_NV],
  ['f32 fma 0*inf + 1', (e) => sf.f32Fma(0, Infinity, 1, Rm.RNE, e), '7fc00000', FLAG_NV],
  ['fma inf*1 - inf', (e) => sf.f64Fma(Infinity, 1, -Infinity, Rm.RNE, e), '7ff8000000000000', FLAG_NV],
  ['fma 1*1 + inf', (e) => sf.f64Fma(1, 1, Infinity, Rm.RNE, e), '7ff0000000000000', 0],
  ['NaN + 1', (e) => sf.f64Add(NaN, 1, Rm.RNE, e), '7ff8000000000000', 0],
  ['NaN * 0', (e) => sf.f64Mul(NaN, 0, Rm.RUP, e), '7ff8000000000000', 0],
  ['sqrt(NaN)', (e) => sf.f64Sqrt(NaN, Rm.RNE, e), '7ff8000000000000', 0],
  ['f32 NaN fma', (e) => sf.f32Fma(1, 2, NaN, Rm.RNE, e), '7fc00000', 0],
  ['f64ToF32 NaN', (e) => sf.f64ToF32(NaN, Rm.RNE, e), '7fc00000', 0],
  ['f64ToI32 NaN', (e) => sf.f64ToI32(NaN, Rm.RNE, e), '2147483647', FLAG_NV],
  ['f64ToU32 NaN', (e) => sf.f64ToU32(NaN, Rm.RNE, e), '4294967295', FLAG_NV],
  ['f64ToI64 -inf', (e) => sf.f64ToI64(-Infinity, Rm.RNE, e), '-9223372036854775808', FLAG_NV],
  ['f64ToU64 NaN', (e) => sf.f64ToU64(NaN, Rm.RNE, e), '18446744073709551615', FLAG_NV],
  ['f64ToU64 -1', (e) => sf.f64ToU64(-1, Rm.RNE, e), '0', FLAG_NV],
  ['f64ToU64 -0.9 RTZ', (e) => sf.f64ToU64(-0.9, Rm.RTZ, e), '0', FLAG_NX],
  ['f32ToI32 2^31', (e) => sf.f32ToI32(p2(31), Rm.RNE, e), '2147483647', FLAG_NV],
  ['f32ToI64 -2^63', (e) => sf.f32ToI64(-p2(63), Rm.RNE, e), '-9223372036854775808', 0],
  ['roundToInt NaN', (e) => sf.f64RoundToInt(NaN, Rm.RNE, e, true), '7ff8000000000000', 0],
  ['f16ToF32 NaN', (e) => sf.f16ToF32(0x7e00, e), '7fc00000', 0],
  ['f32ToF16 NaN', (e) => sf.f32ToF16(NaN, Rm.RNE, e), '7e00', 0],
]));

test('overflow per rounding mode', check([
  ['RNE', (e) => sf.f64Mul(MAX64, 2, Rm.RNE, e), '7ff0000000000000', FLAG_OF | FLAG_NX],
  ['RTZ', (e) => sf.f64Mul(MAX64, 2, Rm.RTZ, e), '7fefffffffffffff', FLAG_OF | FLAG_NX],
  ['RDN', (e) => sf.f64Mul(MAX64, 2, Rm.RDN, e), '7fefffffffffffff', FLAG_OF | FLAG_NX],
  ['RUP', (e) => sf.f64Mul(MAX64, 2, Rm.RUP, e), '7ff0000000000000', FLAG_OF | FLAG_NX],
  ['RMM', (e) => sf.f64Mul(MAX64, 2, Rm.RMM, e), '7ff0000000000000', FLAG_OF | FLAG_NX],
  ['neg RDN', (e) => sf.f64Mul(MAX64, -2, Rm.RDN, e), 'fff0000000000000', FLAG_OF | FLAG_NX],
  ['neg RUP', (e) => sf.f64Mul(MAX64, -2, Rm.RUP, e), 'ffefffffffffffff', FLAG_OF | FLAG_NX],
  ['RTZ just above max: no overflow', (e) => sf.f64Add(MAX64, p2(969), Rm.RTZ, e), '7fefffffffffffff', FLAG_NX],
  ['RUP just above max', (e) => sf.f64Add(MAX64, p2(900), Rm.RUP, e), '7ff0000000000000', FLAG_OF | FLAG_NX],
  ['f32 RTZ', (e) => sf.f32Mul(MAX32, 2, Rm.RTZ, e), '7f7fffff', FLAG_OF | FLAG_NX],
  ['f32 RUP just above max', (e) => sf.f32Add(MAX32, p2(80), Rm.RUP, e), '7f800000', FLAG_OF | FLAG_NX],
  ['f32 RMM', (e) => sf.f32Fma(MAX32, 2, -MAX32, Rm.RMM, e), '7f7fffff', 0],
  ['f16 RTZ', (e) => sf.f32ToF16(1e6, Rm.RTZ, e), '7bff', FLAG_OF | FLAG_NX],
  ['u64ToF32 RUP', (e) => sf.u64ToF32(2n ** 64n - 1n, Rm.RUP, e), '5f800000', FLAG_NX],
]));

test('flags accumulate and are never cleared', (t) => {
  const env = new FpEnv();
  env.flags = FLAG_DZ;
  t.is(hex64(sf.f64Add(0.1, 0.2, Rm.RNE, env)), '3fd3333333333334');
  t.is(env.flags, FLAG_DZ | FLAG_NX);
  t.is(hex64(sf.f64Add(1, 2, Rm.RNE, env)), '4008000000000000');
  t.is(env.flags, FLAG_DZ | FLAG_NX);
  sf.f64Sqrt(-2, Rm.RNE, env);
  t.is(env.flags, FLAG_DZ | FLAG_NX | FLAG_NV);
});

test('f16 to f32 is exact', check([
  ['one', (e) => sf.f16ToF32(0x3c00, e), '3f800000', 0],
  ['min subnormal', (e) => sf.f16ToF32(0x0001, e), '33800000', 0],
  ['max', (e) => sf.f16ToF32(0x7bff, e), '477fe000', 0],
  ['-inf', (e) => sf.f16ToF32(0xfc00, e), 'ff800000', 0],
  ['-0', (e) => sf.f16ToF32(0x8000, e), '80000000', 0],
  ['f32ToF64 identity', () => sf.f32ToF64(s('3dcccccd')), '3fb99999a0000000', 0],
]));
