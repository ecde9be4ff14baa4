/**
 * riscv64 signal frame (Linux arch/riscv/kernel/signal.c, uapi asm/ucontext.h, asm/sigcontext.h,
 * asm/ptrace.h):
 *
 *     struct rt_sigframe { struct siginfo info; struct ucontext uc; }         1088 bytes
 *       0    siginfo (128)
 *       128  uc_flags, 136 uc_link, 144 uc_stack (stack_t, 24), 168 uc_sigmask (8),
 *            then padding to a 1024-bit sigset
 *       304  uc_mcontext = struct sigcontext (aligned 16: ucontext offset 176)
 *              +0   sc_regs = user_regs_struct { pc, ra, sp, gp, tp, t0..t6, s0.., a0.., ... } (x1..x31)
 *              +256 union __riscv_fp_state (528): Linux stores the D state there,
 *                   f[32] (u64) then fcsr (u32) at +256; +516 sc_extdesc.reserved (0) and
 *                   +520 the END __riscv_ctx_hdr {magic 0, size 0} (no vector state)
 *
 * Delivery (setup_rt_frame): sp = (stack top - 1088) & ~15, ra = the vDSO's rt_sigreturn,
 * pc = handler, a0 = signal, a1 = &info, a2 = &uc — a1/a2 whether or not SA_SIGINFO.
 * rt_sigreturn restores uc_sigmask, pc and x1..x31, the f registers and fcsr, and uc_stack,
 * and returns a0 as restored.
 */
import type { Cpu, GdbArch } from '../../../arch/common/cpu';
import { decodeStack, SIGINFO_SIZE } from '../signal';
import { BadFrame, readFrame, userAddr, type FrameSetup, type SigFrameArch, type SigReturn } from './frame';
import { RegView } from './regs';

export const X_NAMES = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 'fp', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];
export const F_NAMES = ['ft0', 'ft1', 'ft2', 'ft3', 'ft4', 'ft5', 'ft6', 'ft7', 'fs0', 'fs1', 'fa0', 'fa1', 'fa2', 'fa3',
  'fa4', 'fa5', 'fa6', 'fa7', 'fs2', 'fs3', 'fs4', 'fs5', 'fs6', 'fs7', 'fs8', 'fs9', 'fs10', 'fs11', 'ft8', 'ft9', 'ft10', 'ft11'];

/** Offsets inside struct rt_sigframe. */
export const OFF = {
  info: 0,
  uc: SIGINFO_SIZE,
  ucFlags: 128, ucLink: 136, ucStack: 144, ucSigmask: 168,
  mcontext: 304,
  /** sc_regs.pc; x_n (n >= 1) at regs + 8n. */
  regs: 304,
  fp: 304 + 256,
  fcsr: 304 + 256 + 256,
  extReserved: 304 + 256 + 516,
  extHdr: 304 + 256 + 520,
  size: 304 + 256 + 528,
} as const;

export const FRAME_SIZE = OFF.size; // 1088

const A0 = 10, A1 = 11, A2 = 12;

export const riscv64: SigFrameArch = {
  minSigStackSize: 2048,
  frameSize: FRAME_SIZE,
  // li a7, 139 (__NR_rt_sigreturn); ecall
  trampoline: new Uint8Array(new Uint32Array([0x08b00893, 0x00000073]).buffer),

  setup(f: FrameSetup): bigint {
    const r = new RegView(f.cpu, f.gdb);
    const frame = (BigInt.asUintN(64, f.spTop) - BigInt(FRAME_SIZE)) & ~0xfn;
    const at = userAddr(frame);
    const b = new Uint8Array(FRAME_SIZE), dv = new DataView(b.buffer);
    b.set(f.info, OFF.info);
    b.set(f.stack, OFF.ucStack);
    dv.setBigUint64(OFF.ucSigmask, BigInt.asUintN(64, f.mask), true);
    dv.setBigUint64(OFF.regs, r.get('pc'), true);
    for (let n = 1; n < 32; n++) dv.setBigUint64(OFF.regs + 8 * n, r.get(X_NAMES[n]!), true);
    for (let n = 0; n < 32; n++) b.set(r.bytes(F_NAMES[n]!).subarray(0, 8), OFF.fp + 8 * n);
    dv.setUint32(OFF.fcsr, Number(r.get('fcsr')), true);
    f.cpu.mem.writeBytes(at, b);
    r.set('ra', f.trampoline);
    r.set('pc', f.handler);
    r.set('sp', frame);
    r.set(X_NAMES[A0]!, BigInt(f.sig));
    r.set(X_NAMES[A1]!, frame + BigInt(OFF.info));
    r.set(X_NAMES[A2]!, frame + BigInt(OFF.uc));
    return frame;
  },

  restore(cpu: Cpu, gdb: GdbArch): SigReturn {
    const r = new RegView(cpu, gdb);
    const at = userAddr(r.get('sp'));
    const b = readFrame(cpu, at, FRAME_SIZE);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    // No vector state: the reserved word and the END header must be zero (restore_sigcontext).
    if (dv.getUint32(OFF.extReserved, true) !== 0 || dv.getUint32(OFF.extHdr, true) !== 0 || dv.getUint32(OFF.extHdr + 4, true) !== 0) {
      throw new BadFrame('rt_sigreturn: unknown extension state in the frame');
    }
    const mask = dv.getBigUint64(OFF.ucSigmask, true);
    r.set('pc', dv.getBigUint64(OFF.regs, true));
    for (let n = 1; n < 32; n++) r.set(X_NAMES[n]!, dv.getBigUint64(OFF.regs + 8 * n, true));
    for (let n = 0; n < 32; n++) r.setBytes(F_NAMES[n]!, b.slice(OFF.fp + 8 * n, OFF.fp + 8 * n + 8));
    r.set('fcsr', BigInt(dv.getUint32(OFF.fcsr, true)));
    return { mask, stack: decodeStack(b.subarray(OFF.ucStack, OFF.ucStack + 24)), ret: dv.getBigUint64(OFF.regs + 8 * A0, true) };
  },
};
