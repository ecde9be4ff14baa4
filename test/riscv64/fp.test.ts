/** F and D: exact bit patterns and fflags (RISC-V NaN policy, rounding modes, fma, fclass). */
import test from 'ava';
import { DATA, load } from './harness';

const NX = 1, UF = 2, OF = 4, DZ = 8, NV = 16;
const BOX = 0xffffffff00000000n;
const S = (bits: number) => BOX | BigInt(bits >>> 0);
const f32bits = (v: number) => { const b = new DataView(new ArrayBuffer(4)); b.setFloat32(0, v); return b.getUint32(0); };
const f64bits = (v: number) => { const b = new DataView(new ArrayBuffer(8)); b.setFloat64(0, v); return b.getBigUint64(0); };
const sf = (v: number) => S(f32bits(v));
const CANON_S = S(0x7fc00000), CANON_D = 0x7ff8000000000000n, SNAN_S = S(0x7f800001), QNAN_S = S(0x7fc00001);
const SNAN_D = 0x7ff0000000000001n, QNAN_D = 0x7ff8000000000001n;

interface Out { f: bigint; x: bigint; flags: number; stop: string }

/** Runs one instruction with f1, f2, f3 (raw bits) and a1 set; result in f0 / a0. */
function run(insn: string, f: bigint[] = [], a1 = 0n, frm = 0): Out {
  const vm = load(`${insn}\nebreak`);
  f.forEach((v, i) => vm.cpu.setFReg(i + 1, v));
  vm.cpu.setReg(11, a1);
  vm.cpu.frm = frm;
  const r = vm.cpu.run(10);
  return { f: vm.cpu.getFReg(0), x: vm.cpu.getReg(10), flags: vm.cpu.fflags, stop: r.kind };
}
const fr = (insn: string, f: bigint[], frm = 0) => { const o = run(insn, f, 0n, frm); return [o.f, o.flags] as const; };

test('f32 arithmetic: exact results and flags', (t) => {
  t.deepEqual(fr('fadd.s f0, f1, f2', [sf(1), sf(2)]), [sf(3), 0]);
  t.deepEqual(fr('fsub.s f0, f1, f2', [sf(1), sf(1)]), [sf(0), 0]);
  t.deepEqual(fr('fsub.s f0, f1, f2, rdn', [sf(1), sf(1)]), [sf(-0), 0], 'x - x = -0 when rounding down');
  t.deepEqual(fr('fdiv.s f0, f1, f2', [sf(1), sf(0)]), [sf(Infinity), DZ]);
  t.deepEqual(fr('fdiv.s f0, f1, f2', [sf(0), sf(0)]), [CANON_S, NV]);
  t.deepEqual(fr('fmul.s f0, f1, f2', [S(0x7f7fffff), sf(2)]), [sf(Infinity), OF | NX]);
  t.deepEqual(fr('fmul.s f0, f1, f2, rtz', [S(0x7f7fffff), sf(2)]), [S(0x7f7fffff), OF | NX]);
  t.deepEqual(fr('fadd.s f0, f1, f2', [sf(1), S(0x33800000)]), [sf(1), NX], 'tie to even');
  t.deepEqual(fr('fadd.s f0, f1, f2, rup', [sf(1), S(0x33800000)]), [S(0x3f800001), NX]);
  t.deepEqual(fr('fadd.s f0, f1, f2', [sf(1), S(0x33800000)], 3), [S(0x3f800001), NX], 'dynamic rm from frm');
  t.deepEqual(fr('fmul.s f0, f1, f2', [S(0x00800000), sf(0.5)]), [S(0x00400000), 0], 'exact subnormal: no UF');
  t.deepEqual(fr('fmul.s f0, f1, f2', [S(0x00800001), sf(0.5)]), [S(0x00400000), UF | NX]);
  t.deepEqual(fr('fsqrt.s f0, f1', [sf(4)]), [sf(2), 0]);
  t.deepEqual(fr('fsqrt.s f0, f1', [sf(-1)]), [CANON_S, NV]);
  t.deepEqual(fr('fsqrt.s f0, f1', [sf(-0)]), [sf(-0), 0]);
});

test('f32 NaN policy: canonical results, sNaN raises NV, NaN boxing', (t) => {
  t.deepEqual(fr('fadd.s f0, f1, f2', [QNAN_S, sf(1)]), [CANON_S, 0]);
  t.deepEqual(fr('fadd.s f0, f1, f2', [SNAN_S, sf(1)]), [CANON_S, NV]);
  t.deepEqual(fr('fadd.s f0, f1, f2', [sf(Infinity), sf(-Infinity)]), [CANON_S, NV]);
  t.deepEqual(fr('fadd.s f0, f1, f2', [BigInt(f32bits(1)), sf(1)]), [CANON_S, 0], 'unboxed operand reads as canonical NaN');
  t.deepEqual(fr('fadd.s f0, f1, f2', [0xffffffff_7f800001n & 0xfffffffe_ffffffffn, sf(1)]), [CANON_S, 0], 'improperly boxed sNaN is a qNaN');
  t.deepEqual(fr('fsgnj.s f0, f1, f2', [f64bits(1), sf(-1)]), [S(0xffc00000), 0], 'fsgnj on unboxed input uses canonical NaN');
  t.deepEqual(fr('fsgnjn.s f0, f1, f2', [sf(3), sf(-1)]), [sf(3), 0]);
  t.deepEqual(fr('fsgnjx.s f0, f1, f2', [sf(-3), sf(-1)]), [sf(3), 0]);
  t.deepEqual(fr('fsgnj.s f0, f1, f2', [SNAN_S, sf(-1)]), [S(0xff800001), 0], 'sign injection never raises or canonicalises');
});

test('fmin/fmax (2.2): -0 < +0, one NaN -> the other, sNaN -> NV', (t) => {
  for (const [p, d] of [['s', false], ['d', true]] as const) {
    const z = d ? f64bits(0) : sf(0), nz = d ? f64bits(-0) : sf(-0), one = d ? f64bits(1) : sf(1);
    const q = d ? QNAN_D : QNAN_S, s = d ? SNAN_D : SNAN_S, canon = d ? CANON_D : CANON_S;
    t.deepEqual(fr(`fmin.${p} f0, f1, f2`, [z, nz]), [nz, 0]);
    t.deepEqual(fr(`fmin.${p} f0, f1, f2`, [nz, z]), [nz, 0]);
    t.deepEqual(fr(`fmax.${p} f0, f1, f2`, [nz, z]), [z, 0]);
    t.deepEqual(fr(`fmax.${p} f0, f1, f2`, [z, nz]), [z, 0]);
    t.deepEqual(fr(`fmin.${p} f0, f1, f2`, [q, one]), [one, 0]);
    t.deepEqual(fr(`fmax.${p} f0, f1, f2`, [one, q]), [one, 0]);
    t.deepEqual(fr(`fmin.${p} f0, f1, f2`, [s, one]), [one, NV]);
    t.deepEqual(fr(`fmin.${p} f0, f1, f2`, [q, q]), [canon, 0]);
    t.deepEqual(fr(`fmax.${p} f0, f1, f2`, [s, q]), [canon, NV]);
  }
});

test('comparisons: feq quiet, flt/fle signalling', (t) => {
  for (const [p, d] of [['s', false], ['d', true]] as const) {
    const z = d ? f64bits(0) : sf(0), nz = d ? f64bits(-0) : sf(-0), one = d ? f64bits(1) : sf(1);
    const q = d ? QNAN_D : QNAN_S, s = d ? SNAN_D : SNAN_S;
    const c = (op: string, a: bigint, b: bigint) => { const o = run(`${op}.${p} a0, f1, f2`, [a, b]); return [o.x, o.flags]; };
    t.deepEqual(c('feq', z, nz), [1n, 0]);
    t.deepEqual(c('flt', nz, z), [0n, 0]);
    t.deepEqual(c('fle', nz, z), [1n, 0]);
    t.deepEqual(c('flt', z, one), [1n, 0]);
    t.deepEqual(c('feq', q, one), [0n, 0]);
    t.deepEqual(c('feq', s, one), [0n, NV]);
    t.deepEqual(c('flt', q, one), [0n, NV]);
    t.deepEqual(c('fle', one, q), [0n, NV]);
  }
});

test('fclass: all 10 classes, single and double', (t) => {
  const s: Array<[bigint, number]> = [[sf(-Infinity), 0], [sf(-1), 1], [S(0x80000001), 2], [sf(-0), 3], [sf(0), 4], [S(1), 5], [sf(1), 6], [sf(Infinity), 7], [SNAN_S, 8], [QNAN_S, 9], [0n, 9]];
  for (const [v, k] of s) t.is(run('fclass.s a0, f1', [v]).x, 1n << BigInt(k));
  const d: Array<[bigint, number]> = [[f64bits(-Infinity), 0], [f64bits(-1), 1], [0x8000000000000001n, 2], [f64bits(-0), 3], [0n, 4], [1n, 5], [f64bits(1), 6], [f64bits(Infinity), 7], [SNAN_D, 8], [QNAN_D, 9]];
  for (const [v, k] of d) t.is(run('fclass.d a0, f1', [v]).x, 1n << BigInt(k));
});

test('fmv: raw moves, fmv.x.w sign-extends, fmv.w.x boxes', (t) => {
  t.is(run('fmv.x.w a0, f1', [0x1234567880000000n]).x, -0x80000000n);
  t.is(run('fmv.x.w a0, f1', [S(0x7fffffff)]).x, 0x7fffffffn);
  t.is(run('fmv.w.x f0, a1', [], 0x1234567880000001n).f, S(0x80000001));
  t.is(run('fmv.x.d a0, f1', [SNAN_D]).x, SNAN_D);
  t.is(run('fmv.d.x f0, a1', [], -1n).f, 0xffffffffffffffffn);
});

test('fcvt float -> int: rounding, saturation, NaN, sign extension', (t) => {
  const c = (insn: string, v: bigint) => { const o = run(insn, [v]); return [o.x, o.flags]; };
  t.deepEqual(c('fcvt.w.s a0, f1', sf(3.5)), [4n, NX]);
  t.deepEqual(c('fcvt.w.s a0, f1', sf(2.5)), [2n, NX]);
  t.deepEqual(c('fcvt.w.s a0, f1, rmm', sf(2.5)), [3n, NX]);
  t.deepEqual(c('fcvt.w.s a0, f1, rtz', sf(-3.5)), [-3n, NX]);
  t.deepEqual(c('fcvt.w.s a0, f1, rdn', sf(-3.5)), [-4n, NX]);
  t.deepEqual(c('fcvt.w.s a0, f1, rup', sf(-3.5)), [-3n, NX]);
  t.deepEqual(c('fcvt.w.s a0, f1', sf(1e10)), [0x7fffffffn, NV]);
  t.deepEqual(c('fcvt.w.s a0, f1', sf(-Infinity)), [-0x80000000n, NV]);
  t.deepEqual(c('fcvt.w.s a0, f1', QNAN_S), [0x7fffffffn, NV]);
  t.deepEqual(c('fcvt.wu.s a0, f1', sf(-1)), [0n, NV]);
  t.deepEqual(c('fcvt.wu.s a0, f1, rtz', sf(-0.5)), [0n, NX]);
  t.deepEqual(c('fcvt.wu.s a0, f1', sf(3e9)), [BigInt.asIntN(32, 3000000000n), 0], 'wu result sign-extended');
  t.deepEqual(c('fcvt.wu.s a0, f1', QNAN_S), [-1n, NV]);
  t.deepEqual(c('fcvt.l.s a0, f1', sf(-(2 ** 63))), [-(1n << 63n), 0]);
  t.deepEqual(c('fcvt.l.s a0, f1', sf(2 ** 63)), [(1n << 63n) - 1n, NV]);
  t.deepEqual(c('fcvt.lu.s a0, f1', sf(2 ** 63)), [-(1n << 63n), 0]);
  t.deepEqual(c('fcvt.lu.s a0, f1', SNAN_S), [-1n, NV]);
  t.deepEqual(c('fcvt.w.d a0, f1', f64bits(-2147483648.5)), [-0x80000000n, NX]);
  t.deepEqual(c('fcvt.w.d a0, f1, rdn', f64bits(-2147483648.5)), [-0x80000000n, NV]);
  t.deepEqual(c('fcvt.wu.d a0, f1', f64bits(4294967295)), [-1n, 0]);
  t.deepEqual(c('fcvt.l.d a0, f1', f64bits(2 ** 63)), [(1n << 63n) - 1n, NV]);
  t.deepEqual(c('fcvt.l.d a0, f1', QNAN_D), [(1n << 63n) - 1n, NV]);
  t.deepEqual(c('fcvt.lu.d a0, f1', f64bits(-1)), [0n, NV]);
  t.deepEqual(c('fcvt.lu.d a0, f1', f64bits(1.5)), [2n, NX]);
});

test('fcvt int -> float and between formats', (t) => {
  const c = (insn: string, a1: bigint) => { const o = run(insn, [], a1); return [o.f, o.flags]; };
  t.deepEqual(c('fcvt.s.w f0, a1', -1n), [sf(-1), 0]);
  t.deepEqual(c('fcvt.s.w f0, a1', 0x1_0000_0001n), [sf(1), 0], 'only the low 32 bits');
  t.deepEqual(c('fcvt.s.wu f0, a1', 0xffffffffn), [sf(4294967296), NX]);
  t.deepEqual(c('fcvt.s.wu f0, a1, rtz', 0xffffffffn), [S(0x4f7fffff), NX]);
  t.deepEqual(c('fcvt.s.l f0, a1', (1n << 63n) - 1n), [sf(2 ** 63), NX]);
  t.deepEqual(c('fcvt.s.lu f0, a1', -1n), [sf(2 ** 64), NX]);
  t.deepEqual(c('fcvt.d.w f0, a1', -5n), [f64bits(-5), 0]);
  t.deepEqual(c('fcvt.d.wu f0, a1', 0xffffffffn), [f64bits(4294967295), 0]);
  t.deepEqual(c('fcvt.d.l f0, a1', (1n << 53n) + 1n), [f64bits(2 ** 53), NX]);
  t.deepEqual(c('fcvt.d.lu f0, a1', -1n), [f64bits(2 ** 64), NX]);
  t.deepEqual(fr('fcvt.s.d f0, f1', [f64bits(1 / 3)]), [sf(Math.fround(1 / 3)), NX]);
  t.deepEqual(fr('fcvt.s.d f0, f1', [f64bits(1e300)]), [sf(Infinity), OF | NX]);
  t.deepEqual(fr('fcvt.s.d f0, f1', [SNAN_D]), [CANON_S, NV]);
  t.deepEqual(fr('fcvt.d.s f0, f1', [sf(0.1)]), [f64bits(Math.fround(0.1)), 0]);
  t.deepEqual(fr('fcvt.d.s f0, f1', [SNAN_S]), [CANON_D, NV]);
  t.deepEqual(fr('fcvt.d.s f0, f1', [f64bits(1)]), [CANON_D, 0], 'unboxed single');
});

test('fused multiply-add: one rounding, exact negations', (t) => {
  const a = f64bits(1 + 2 ** -27), b = f64bits(1 - 2 ** -27), m1 = f64bits(-1);
  t.deepEqual(fr('fmadd.d f0, f1, f2, f3', [a, b, m1]), [f64bits(-(2 ** -54)), 0], 'fma keeps the low product bits');
  t.deepEqual(fr('fmul.d f0, f1, f2', [a, b]), [f64bits(1), NX], 'mul alone rounds to 1 (then +(-1) would give 0)');
  const two = f64bits(2), three = f64bits(3), one = f64bits(1);
  t.deepEqual(fr('fmadd.d f0, f1, f2, f3', [two, three, one]), [f64bits(7), 0]);
  t.deepEqual(fr('fmsub.d f0, f1, f2, f3', [two, three, one]), [f64bits(5), 0]);
  t.deepEqual(fr('fnmsub.d f0, f1, f2, f3', [two, three, one]), [f64bits(-5), 0]);
  t.deepEqual(fr('fnmadd.d f0, f1, f2, f3', [two, three, one]), [f64bits(-7), 0]);
  t.deepEqual(fr('fmadd.s f0, f1, f2, f3', [sf(2), sf(3), sf(1)]), [sf(7), 0]);
  t.deepEqual(fr('fmsub.s f0, f1, f2, f3', [sf(2), sf(3), sf(1)]), [sf(5), 0]);
  t.deepEqual(fr('fnmsub.s f0, f1, f2, f3', [sf(2), sf(3), sf(1)]), [sf(-5), 0]);
  t.deepEqual(fr('fnmadd.s f0, f1, f2, f3', [sf(2), sf(3), sf(1)]), [sf(-7), 0]);
  // single: 1+2^-12 squared minus 1 needs the exact product
  t.deepEqual(fr('fmadd.s f0, f1, f2, f3', [sf(1 + 2 ** -12), sf(1 + 2 ** -12), sf(-1)]), [sf(2 ** -11 + 2 ** -24), 0]);
  // zero signs: fnmadd of +0*x - (+0) is -0
  t.deepEqual(fr('fnmadd.d f0, f1, f2, f3', [0n, two, 0n]), [f64bits(-0), 0]);
  t.deepEqual(fr('fmadd.d f0, f1, f2, f3', [f64bits(Infinity), 0n, QNAN_D]), [CANON_D, NV], 'inf*0 + qNaN raises NV');
  t.deepEqual(fr('fmadd.d f0, f1, f2, f3', [f64bits(Infinity), 0n, one]), [CANON_D, NV]);
  t.deepEqual(fr('fmadd.s f0, f1, f2, f3', [sf(1), sf(1), SNAN_S]), [CANON_S, NV]);
  t.deepEqual(fr('fmadd.s f0, f1, f2, f3', [sf(1), sf(1), QNAN_S]), [CANON_S, 0]);
});

test('double arithmetic and NaN policy', (t) => {
  t.deepEqual(fr('fadd.d f0, f1, f2', [f64bits(0.1), f64bits(0.2)]), [f64bits(0.1 + 0.2), NX]);
  t.deepEqual(fr('fadd.d f0, f1, f2, rdn', [f64bits(0.1), f64bits(0.2)]), [f64bits(0.30000000000000004) - 1n, NX]);
  t.deepEqual(fr('fdiv.d f0, f1, f2', [f64bits(-1), 0n]), [f64bits(-Infinity), DZ]);
  t.deepEqual(fr('fsqrt.d f0, f1', [f64bits(2)]), [f64bits(Math.SQRT2), NX]);
  t.deepEqual(fr('fmul.d f0, f1, f2', [SNAN_D, f64bits(1)]), [CANON_D, NV]);
  t.deepEqual(fr('fsub.d f0, f1, f2', [QNAN_D, f64bits(1)]), [CANON_D, 0]);
  t.deepEqual(fr('fsgnjn.d f0, f1, f2', [SNAN_D, SNAN_D]), [SNAN_D | (1n << 63n), 0]);
});

test('rounding mode: invalid static rm and invalid frm with DYN are illegal', (t) => {
  t.is(run('fadd.s f0, f1, f2, 5', [sf(1), sf(1)]).stop, 'illegal');
  t.is(run('fadd.d f0, f1, f2, 6', [0n, 0n]).stop, 'illegal');
  t.is(run('fadd.d f0, f1, f2', [0n, 0n], 0n, 5).stop, 'illegal');
  t.is(run('fcvt.w.d a0, f1', [0n], 0n, 7).stop, 'illegal');
  t.is(run('fadd.d f0, f1, f2', [0n, 0n], 0n, 4).stop, 'trap');
  t.is(run('fsgnj.d f0, f1, f2', [0n, 0n], 0n, 7).stop, 'trap', 'no rm field: frm irrelevant');
});

test('fflags accrue; loads/stores move raw bits', (t) => {
  const vm = load(`fld f1, 0(a5)\nflw f2, 8(a5)\nfdiv.d f3, f1, f0\nfadd.d f4, f1, f1\nfsd f3, 16(a5)\nfsw f1, 24(a5)\nebreak`);
  vm.mem.writeU64(DATA, f64bits(1));
  vm.mem.writeU32(DATA + 8, 0x7f800001);
  vm.cpu.setReg(15, BigInt(DATA));
  t.is(vm.cpu.run(20).kind, 'trap');
  t.is(vm.cpu.getFReg(2), SNAN_S, 'flw boxes without checking');
  t.is(vm.cpu.fflags, DZ);
  t.is(vm.mem.readU64(DATA + 16), f64bits(Infinity));
  t.is(vm.mem.readU32(DATA + 24), 0, 'fsw stores the low 32 bits of an unboxed value');
  const v2 = load(`fadd.d f0, f1, f2\nfdiv.d f0, f1, f3\nebreak`);
  v2.cpu.setFReg(1, f64bits(1)); v2.cpu.setFReg(2, f64bits(2 ** -60)); v2.cpu.setFReg(3, 0n);
  v2.cpu.run(10);
  t.is(v2.cpu.fflags, NX | DZ);
});
