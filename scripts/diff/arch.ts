/**
 * Per-arch knowledge of the differential runner: how to spot the instructions whose effects are
 * legitimately different or need more registers read (syscall, FP, counter reads), the syscall
 * ABI registers, and which syscalls are resynchronised (qemu's result and output buffer copied
 * into runlinuxd) because their values depend on the host, the clock or randomness.
 */
import { numbers as a64Numbers } from '../../kernel/syscall/numbers/aarch64';
import { numbers as rv64Numbers } from '../../kernel/syscall/numbers/riscv64';

export interface InsnClass {
  /** Instruction length in bytes. */
  len: number;
  syscall: boolean;
  /** May change FP registers / FP status: read them after the step. */
  fp: boolean;
  /** The p-read registers (FP registers, FP status) this instruction may write. */
  fpWrites: string[];
  /** Reads a counter (cycle/time/instret): copy qemu's value of this register into ours. */
  counterReg: string | null;
  /**
   * qemu ends its translation block after this instruction and, single-stepped, runs the next one
   * too (aarch64 7.2: svc, yield, wfe, wfi): the runner steps ours again to catch up.
   */
  qemuStepsTwo?: boolean;
}

export interface DiffArch {
  name: string;
  /** Register names not compared even if both stubs have them. */
  ignore: Set<string>;
  /** FP registers read only around FP instructions (names as in the target description). */
  fpRegs: string[];
  syscallNr: string;
  syscallArgs: string[];
  syscallRet: string;
  sp: string;
  pc: string;
  classify(insn: Buffer): InsnClass;
  /** Encoding of the syscall instruction and the instruction alignment (to find every syscall site). */
  syscallInsn: Buffer;
  insnAlign: number;
  syscallNames: Map<number, string>;
  /**
   * If the instruction at `pc` starts an exclusive-access sequence that must not be single-stepped
   * (aarch64: the kernel clears the exclusive monitor on every exception return, so a stepped
   * STXR always fails under qemu, as on hardware under ptrace), the breakpoints that end it.
   */
  atomicSequence?(pc: bigint, read: (pc: bigint) => Promise<Buffer>): Promise<bigint[] | null>;
  /** qemu options selecting the CPU model the core is measured against. */
  qemuArgs: string[];
  disasm(word: number, pc: bigint): string;
}

/**
 * Memory a syscall writes, as (argument index of the pointer, byte count or 'ret' = result,
 * optional offset from the pointer).
 */
export type OutBuf = [arg: number, len: number | 'ret', offset?: number];

/**
 * Syscalls whose result (and output buffers) legitimately depend on the host, time or chance.
 * After such a syscall qemu's result register and buffers are copied into runlinuxd.
 */
export const RESYNC: Record<string, OutBuf[]> = {
  clock_gettime: [[1, 16]],
  clock_getres: [[1, 16]],
  gettimeofday: [[0, 16]],
  getrandom: [[0, 'ret']],
  getuid: [],
  geteuid: [],
  getgid: [],
  getegid: [],
  uname: [[0, 390]],
  sysinfo: [[0, 112]],
  times: [[0, 32]],
  getrlimit: [[1, 16]],
  prlimit64: [[3, 16]],
  sched_getaffinity: [[2, 'ret']],
  // docs/fidelity.md: qemu-user 7.2 has no set_robust_list (ENOSYS), we follow Linux (0)
  set_robust_list: [],
  // docs/fidelity.md: the old action's sa_flags (offset 8) — Linux >= 5.11 and runlinuxd clear the
  // bits outside UAPI_SA_FLAGS (musl's sign-extended int flags), qemu 7.2 returns them as set
  rt_sigaction: [[2, 8, 8]],
};

/**
 * Syscalls returning process/thread ids. These are not copied (the guest would later pass qemu's
 * host tid to tkill and get ESRCH from us); instead qemu's value is recorded as an alias of ours
 * and a register or argument holding the alias counts as equal.
 */
export const ALIAS = new Set(['getpid', 'getppid', 'gettid', 'set_tid_address', 'getpgid', 'getsid', 'getpgrp']);

const RV_X = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 'fp', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];
const RV_F = ['ft0', 'ft1', 'ft2', 'ft3', 'ft4', 'ft5', 'ft6', 'ft7', 'fs0', 'fs1', 'fa0', 'fa1', 'fa2', 'fa3',
  'fa4', 'fa5', 'fa6', 'fa7', 'fs2', 'fs3', 'fs4', 'fs5', 'fs6', 'fs7', 'fs8', 'fs9', 'fs10', 'fs11', 'ft8', 'ft9', 'ft10', 'ft11'];

/** RISC-V Unprivileged ISA 20191213: opcode map (ch. 24), RVC quadrants (ch. 16), Zicsr counters (ch. 10). */
function classifyRv(b: Buffer): InsnClass {
  const w = b.length >= 4 ? b.readUInt32LE(0) : b.length >= 2 ? b.readUInt16LE(0) : 0;
  const plain = (len: number): InsnClass => ({ len, syscall: false, fp: false, fpWrites: [], counterReg: null });
  const fpw = (len: number, ...regs: string[]): InsnClass => ({ len, syscall: false, fp: true, fpWrites: regs, counterReg: null });
  if ((w & 3) !== 3) {
    const h = w & 0xffff, q = h & 3, f3 = h >>> 13;
    if (q === 0 && f3 === 1) return fpw(2, RV_F[((h >>> 2) & 7) + 8]!); // c.fld
    if (q === 2 && f3 === 1) return fpw(2, RV_F[(h >>> 7) & 31]!); // c.fldsp
    return plain(2);
  }
  const op = w & 0x7f;
  const f3 = (w >>> 12) & 7;
  const csr = w >>> 20;
  const rd = (w >>> 7) & 31;
  if (op === 0x73) {
    if (w === 0x00000073) return { len: 4, syscall: true, fp: false, fpWrites: [], counterReg: null };
    if (f3 !== 0 && f3 !== 4) {
      if ((csr >= 0xc00 && csr <= 0xc1f) || (csr >= 0xc80 && csr <= 0xc9f)) return { ...plain(4), counterReg: rd ? RV_X[rd]! : null };
      if (csr >= 1 && csr <= 3) return fpw(4, 'fcsr');
    }
    return plain(4);
  }
  if (op === 0x07) return fpw(4, RV_F[rd]!); // FLW/FLD
  if (op === 0x43 || op === 0x47 || op === 0x4b || op === 0x4f) return fpw(4, RV_F[rd]!, 'fcsr');
  if (op === 0x53) {
    // feq/flt/fle (0x50/0x51), fcvt.{w,l}[u].fmt (0x60/0x61), fmv.x / fclass (0x70/0x71) write an x register
    const f7 = w >>> 25;
    const toX = f7 === 0x50 || f7 === 0x51 || f7 === 0x60 || f7 === 0x61 || f7 === 0x70 || f7 === 0x71;
    return toX ? fpw(4, 'fcsr') : fpw(4, RV_F[rd]!, 'fcsr');
  }
  return plain(4);
}

const A64_V = Array.from({ length: 32 }, (_, i) => `v${i}`);

/** Arm ARM (DDI 0487) C4.1 top-level encoding: SIMD&FP data processing, SIMD&FP loads/stores, MRS of the generic timer. */
function classifyA64(b: Buffer): InsnClass {
  const w = b.length >= 4 ? b.readUInt32LE(0) : 0;
  const base: InsnClass = { len: 4, syscall: false, fp: false, fpWrites: [], counterReg: null };
  if (w === 0xd4000001) return { ...base, syscall: true, qemuStepsTwo: true };
  if (w === 0xd503203f || w === 0xd503205f || w === 0xd503207f) return { ...base, qemuStepsTwo: true }; // yield, wfe, wfi
  if ((w & 0xfff00000) === 0xd5300000 && ((w >>> 12) & 15) === 14) { // MRS Xt, CNT*_EL0
    const rt = w & 31;
    return { ...base, counterReg: rt === 31 ? null : `x${rt}` };
  }
  if ((w & 0xffffffc0) === 0xd51b4400) return { ...base, fp: true, fpWrites: ['fpcr', 'fpsr'] }; // MSR FPCR/FPSR
  const op0 = (w >>> 25) & 15;
  if ((op0 & 7) === 7) return { ...base, fp: true, fpWrites: [`v${w & 31}`, 'fpsr'] }; // data processing, SIMD&FP
  if ((op0 & 5) === 4 && (w >>> 26) & 1) {
    // SIMD&FP load/store (C4.1.66): literal loads always load; the other classes have L = bit 22.
    // Single-register and pair forms write Rt (and Rt2); a store writes no FP register. The
    // structure forms (LD1..LD4) may write several: all of them are read.
    const cls = (w >>> 27) & 7, rt = w & 31;
    if (cls === 3) return { ...base, fp: true, fpWrites: [A64_V[rt]!] }; // LDR (literal)
    if (cls === 7 || cls === 5) {
      if (!((w >>> 22) & 1)) return { ...base, fp: true, fpWrites: [] }; // STR/STUR/STP/STNP
      return { ...base, fp: true, fpWrites: cls === 7 ? [A64_V[rt]!] : [A64_V[rt]!, A64_V[(w >>> 10) & 31]!] };
    }
    return { ...base, fp: true, fpWrites: ((w >>> 22) & 1) ? [...A64_V] : [] };
  }
  return base;
}

/** Like gdb's aarch64_software_single_step: LDXR ... STXR stepped as one unit (at most 16 instructions). */
async function a64AtomicSequence(pc: bigint, read: (pc: bigint) => Promise<Buffer>): Promise<bigint[] | null> {
  const w0 = (await read(pc)).readUInt32LE(0);
  if ((w0 & 0x3fc00000) !== 0x08400000) return null; // load exclusive
  const bps: bigint[] = [];
  const sext = (v: number, bits: number): bigint => BigInt.asIntN(bits, BigInt(v));
  for (let i = 1, a = pc + 4n; i < 16; i++, a += 4n) {
    const w = (await read(a)).readUInt32LE(0);
    if ((w & 0x3fc00000) === 0x08000000) { // store exclusive: stop after it
      bps.push(a + 4n);
      return [...new Set(bps)];
    }
    if ((w & 0xff000010) === 0x54000000 || (w & 0x7e000000) === 0x34000000) bps.push(a + sext((w >>> 5) & 0x7ffff, 19) * 4n);
    else if ((w & 0x7e000000) === 0x36000000) bps.push(a + sext((w >>> 5) & 0x3fff, 14) * 4n);
    else if ((w & 0x7c000000) === 0x14000000 || (w & 0xfe1f0000) === 0xd61f0000) return null; // b/bl/br/ret: give up
  }
  return null;
}

function invert(n: Record<string, number>): Map<number, string> {
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(n)) if (!m.has(v)) m.set(v, k);
  return m;
}

export function diffArch(name: string, disasm: (w: number, pc: bigint) => string): DiffArch {
  switch (name) {
    case 'riscv64':
      return {
        name,
        ignore: new Set(['fflags', 'frm', 'priv']),
        fpRegs: [...RV_F, 'fcsr'],
        syscallNr: 'a7',
        syscallArgs: ['a0', 'a1', 'a2', 'a3', 'a4', 'a5'],
        syscallRet: 'a0',
        sp: 'sp',
        pc: 'pc',
        classify: classifyRv,
        syscallInsn: Buffer.from([0x73, 0, 0, 0]),
        insnAlign: 2,
        syscallNames: invert(rv64Numbers),
        qemuArgs: [],
        disasm,
      };
    case 'aarch64':
      return {
        name,
        ignore: new Set(),
        fpRegs: [...A64_V, 'fpsr', 'fpcr'],
        syscallNr: 'x8',
        syscallArgs: ['x0', 'x1', 'x2', 'x3', 'x4', 'x5'],
        syscallRet: 'x0',
        sp: 'sp',
        pc: 'pc',
        classify: classifyA64,
        atomicSequence: a64AtomicSequence,
        syscallInsn: Buffer.from([0x01, 0x00, 0x00, 0xd4]), // svc #0
        insnAlign: 4,
        syscallNames: invert(a64Numbers),
        // The core is ARMv8.0 + FP/ASIMD (arch/aarch64/spec.ts). qemu's default -cpu max adds v8.5+
        // state the core does not model (e.g. FEAT_BTI sets PSTATE.BTYPE on `br`) and serves SVE
        // registers; cortex-a57 is a v8.0 CPU with the plain aarch64-fpu feature (v0..v31).
        qemuArgs: ['-cpu', 'cortex-a57'],
        disasm,
      };
    default:
      throw new Error(`differential runner: no support for ${name} yet`);
  }
}

export { RV_X };
