/** Reference semantics in BigInt, written straight from the spec, for table-driven tests. */
import { load, type Vm } from './harness';

export const M64 = (1n << 64n) - 1n;
export const s64 = (v: bigint) => BigInt.asIntN(64, v);
export const u64 = (v: bigint) => BigInt.asUintN(64, v);
export const s32 = (v: bigint) => BigInt.asIntN(64, BigInt.asIntN(32, v));
export const u32 = (v: bigint) => BigInt.asUintN(32, v);

export const VALUES: bigint[] = [
  0n, 1n, 2n, 3n, -1n, -2n, -7n, 7n, 31n, 32n, 63n, 64n,
  -(1n << 63n), (1n << 63n) - 1n, -(1n << 31n), (1n << 31n) - 1n, 1n << 31n, (1n << 32n) - 1n, 1n << 32n,
  -(1n << 32n), 0x123456789abcdef0n, -0x123456789n, 0x7fffffff80000000n, 998244353n, 3000000000n,
];

/** The binary-op reference model, one entry per mnemonic. */
export const REF: Record<string, (a: bigint, b: bigint) => bigint> = {
  add: (a, b) => s64(a + b), sub: (a, b) => s64(a - b),
  sll: (a, b) => s64(a << (b & 63n)), srl: (a, b) => s64(u64(a) >> (b & 63n)), sra: (a, b) => a >> (b & 63n),
  slt: (a, b) => (a < b ? 1n : 0n), sltu: (a, b) => (u64(a) < u64(b) ? 1n : 0n),
  xor: (a, b) => a ^ b, or: (a, b) => a | b, and: (a, b) => a & b,
  addw: (a, b) => s32(a + b), subw: (a, b) => s32(a - b),
  sllw: (a, b) => s32(a << (b & 31n)), srlw: (a, b) => s32(u32(a) >> (b & 31n)), sraw: (a, b) => s32(BigInt.asIntN(32, a) >> (b & 31n)),
  mul: (a, b) => s64(a * b),
  mulh: (a, b) => s64((a * b) >> 64n),
  mulhsu: (a, b) => s64((a * u64(b)) >> 64n),
  mulhu: (a, b) => s64((u64(a) * u64(b)) >> 64n),
  div: (a, b) => (b === 0n ? -1n : a === -(1n << 63n) && b === -1n ? a : a / b),
  divu: (a, b) => (b === 0n ? -1n : s64(u64(a) / u64(b))),
  rem: (a, b) => (b === 0n ? a : a === -(1n << 63n) && b === -1n ? 0n : a % b),
  remu: (a, b) => (b === 0n ? a : s64(u64(a) % u64(b))),
  mulw: (a, b) => s32(a * b),
  divw: (a, b) => { const x = BigInt.asIntN(32, a), y = BigInt.asIntN(32, b); return y === 0n ? -1n : x === -(1n << 31n) && y === -1n ? x : s32(x / y); },
  divuw: (a, b) => { const x = u32(a), y = u32(b); return y === 0n ? -1n : s32(x / y); },
  remw: (a, b) => { const x = BigInt.asIntN(32, a), y = BigInt.asIntN(32, b); return y === 0n ? x : x === -(1n << 31n) && y === -1n ? 0n : s32(x % y); },
  remuw: (a, b) => { const x = u32(a), y = u32(b); return y === 0n ? s32(x) : s32(x % y); },
};

/** Runs a one-instruction program repeatedly with a0/a1 inputs; returns a2 per pair. */
export class Snippet {
  readonly vm: Vm;
  constructor(src: string) { this.vm = load(src + '\nebreak\n'); }
  run(regs: Record<number, bigint>): Vm['cpu'] {
    const cpu = this.vm.cpu;
    for (const [k, v] of Object.entries(regs)) cpu.setReg(Number(k), v);
    cpu.pc = 0x10000n;
    const r = cpu.run(1000);
    if (r.kind !== 'trap') throw new Error(`unexpected stop ${JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
    return cpu;
  }
}
