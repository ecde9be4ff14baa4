/**
 * Instruction-level differential check against qemu-aarch64: every case is a few lines of
 * assembly run from a fixed register state (x0..x15, v0..v7, a 64-byte scratch block at x20,
 * NZCV/FPSR zero, FPCR per case); the program dumps x0..x15, NZCV, FPSR, v0..v7 and the scratch
 * block after each case. llvm-mc assembles it, ld.lld links a static ELF; the same ELF runs under
 * qemu-aarch64 and under the kernel with this core, and the dumps must be byte-identical.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DUMP_BYTES = 16 * 8 + 8 + 8 + 8 * 16 + 64;

export interface DiffCase { asm: string; fpcr?: number }

const INIT_X = [
  '0', '1', '0xffffffffffffffff', '0x7fffffffffffffff', '0x8000000000000000', '0x0123456789abcdef', '0xfedcba9876543210',
  '0x80000000', '0x7fffffff', '0xffffffff', '2', '63', '0xdeadbeef', '5', '0x1f', '0xfffffffffffffff9',
];
const INIT_V = [
  '0x3ff8000000000000, 0x4004000000000000', // v0: 1.5, 2.5
  '0xc00000003f800000, 0x3dcccccd40600000', // v1: s 1, -2, 3.5, 0.1
  '0x7ff8000000000001, 0x7ff0000000000001', // v2: d qnan, snan
  '0x7fc000027f800001, 0x800000007f800000', // v3: s snan, qnan, inf, -0
  '0x0706050403020100, 0x0f0e0d0c0b0a0908', // v4: bytes 0..15
  '0x00ff7f80fe017e81, 0x1234567890abcdef', // v5
  '0x7fe1ccf385ebc8a0, 0x000000000000178c', // v6: d 1e308, denormal
  '0x7f7fffff000116c2, 0xbeaaaaab3eaaaaab', // v7: s denormal, max, 1/3, -1/3
];

function program(cases: DiffCase[]): string {
  const lines: string[] = [
    '.text', '.globl _start', '_start:',
  ];
  cases.forEach((c, i) => {
    lines.push(`  bl reset`);
    if (c.fpcr) lines.push(`  mov x29, #${c.fpcr}`, '  msr fpcr, x29');
    lines.push(`// case ${i}`, ...c.asm.split(';').map((l) => '  ' + l.trim()), '  bl dump');
  });
  lines.push(
    '  mov x0, #0', '  mov x8, #93', '  svc #0',
    'reset:',
    '  adr x29, scratch_init', '  adr x20, scratch',
    '  ldp q0, q1, [x29]', '  stp q0, q1, [x20]', '  ldp q0, q1, [x29, #32]', '  stp q0, q1, [x20, #32]',
    '  adr x29, init_x',
    ...Array.from({ length: 8 }, (_, k) => `  ldp x${2 * k}, x${2 * k + 1}, [x29, #${16 * k}]`),
    '  adr x29, init_v',
    ...Array.from({ length: 4 }, (_, k) => `  ldp q${2 * k}, q${2 * k + 1}, [x29, #${32 * k}]`),
    '  msr nzcv, xzr', '  msr fpsr, xzr', '  msr fpcr, xzr', '  ret',
    'dump:',
    '  adr x29, out',
    ...Array.from({ length: 8 }, (_, k) => `  stp x${2 * k}, x${2 * k + 1}, [x29, #${16 * k}]`),
    '  mrs x0, nzcv', '  mrs x1, fpsr', '  stp x0, x1, [x29, #128]',
    ...Array.from({ length: 4 }, (_, k) => `  stp q${2 * k}, q${2 * k + 1}, [x29, #${144 + 32 * k}]`),
    '  ldp q0, q1, [x20]', '  stp q0, q1, [x29, #272]', '  ldp q0, q1, [x20, #32]', '  stp q0, q1, [x29, #304]',
    '  mov x0, #1', '  mov x1, x29', `  mov x2, #${DUMP_BYTES}`, '  mov x8, #64', '  svc #0', '  ret',
    '.data', '.balign 16',
    'init_x:', ...INIT_X.map((v) => `  .quad ${v}`),
    'init_v:', ...INIT_V.map((v) => `  .quad ${v}`),
    'scratch_init:', ...Array.from({ length: 8 }, (_, k) => `  .quad 0x${(0x1111111111111111n * BigInt(k + 1)).toString(16)}`),
    '.bss', '.balign 16', 'scratch: .space 64', 'out: .space 512', '.balign 512', 'zbuf: .space 1536',
  );
  return lines.join('\n') + '\n';
}

/** Where the built case program and its source are committed (tests need no assembler). */
export const CASES_ELF = join(__dirname, '..', 'fixtures', 'aarch64', 'insn-cases');
export const CASES_SRC = `${CASES_ELF}.s`;

/** The assembly source of the case program. */
export function diffSource(cases: DiffCase[]): string {
  return program(cases);
}

/** Assembles and links the case program into `elf` (scripts/build-aarch64-cases.ts; needs llvm-mc, ld.lld-16). */
export function buildDiffElf(cases: DiffCase[], elf: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'a64diff-'));
  const src = join(dir, 't.s'), obj = join(dir, 't.o');
  writeFileSync(src, program(cases));
  execFileSync('llvm-mc', ['-triple=aarch64-linux-gnu', '-mattr=+neon,+fp-armv8', '-filetype=obj', '-o', obj, src], { stdio: 'pipe' });
  execFileSync(process.env.LD_LLD ?? 'ld.lld-16', ['-static', '-e', '_start', '-o', elf, obj], { stdio: 'pipe' });
}

/** Field-by-field description of the first differences between two dumps. */
export function describeDump(a: Buffer, b: Buffer): string {
  const out: string[] = [];
  const name = (off: number): string => {
    if (off < 128) return `x${off >> 3}`;
    if (off < 136) return 'nzcv';
    if (off < 144) return 'fpsr';
    if (off < 272) return `v${(off - 144) >> 4}`;
    return `scratch+${off - 272}`;
  };
  for (let off = 0; off < DUMP_BYTES; off += 8) {
    const x = a.subarray(off, off + 8), y = b.subarray(off, off + 8);
    if (!x.equals(y)) out.push(`${name(off)}${off >= 144 && off < 272 ? ((off - 144) & 8 ? '.hi' : '.lo') : ''}: qemu ${Buffer.from(x).reverse().toString('hex')} ours ${Buffer.from(y).reverse().toString('hex')}`);
  }
  return out.join('; ');
}
