/**
 * aarch64 signal frame (Linux arch/arm64/kernel/signal.c, uapi asm/ucontext.h, asm/sigcontext.h):
 *
 *     struct rt_sigframe { struct siginfo info; struct ucontext uc; }          4688 bytes
 *       0    siginfo (128)
 *       128  uc_flags, 136 uc_link, 144 uc_stack (24), 168 uc_sigmask (8), padding to 1024 bits
 *       304  uc_mcontext = struct sigcontext (ucontext offset 176):
 *              +0 fault_address, +8 regs[31], +256 sp, +264 pc, +272 pstate,
 *              +288 __reserved[4096] (aligned 16) holding records {u32 magic, u32 size}:
 *                   fpsimd_context (magic 0x46508001, size 528: fpsr, fpcr, vregs[32] at +16),
 *                   then the terminating null record {0, 0}
 *     above it, 16-aligned, the frame record {fp, lr} that x29 points at (for unwinders).
 *
 * get_sigframe: record = round_down(top - 16, 16); frame = record - 4688 (sigframe_size rounds
 * the layout up to sizeof(struct rt_sigframe)). setup_return: x0 = signal, sp = frame,
 * x29 = &record, pc = handler, x30 = sa_restorer with SA_RESTORER (musl always sets it) else the
 * vDSO trampoline; x1 = &info and x2 = &uc only with SA_SIGINFO (the siginfo is copied only then).
 * rt_sigreturn: sp must be 16-aligned; restores the mask, x0..x30, sp, pc, pstate (NZCV), walks the
 * records (fpsimd required; esr ignored; anything else we never write is a bad frame), uc_stack.
 * Not written: esr_context (the fault's ESR) and SVE/SME state (we model neither).
 */
import type { Cpu, GdbArch } from '../../../arch/common/cpu';
import { decodeStack, SA, SIGINFO_SIZE } from '../signal';
import { BadFrame, readFrame, userAddr, type FrameSetup, type SigFrameArch, type SigReturn } from './frame';
import { RegView } from './regs';

export const OFF = {
  info: 0,
  uc: SIGINFO_SIZE,
  ucFlags: 128, ucLink: 136, ucStack: 144, ucSigmask: 168,
  mcontext: 304,
  faultAddress: 304,
  regs: 312,
  sp: 304 + 256,
  pc: 304 + 264,
  pstate: 304 + 272,
  reserved: 304 + 288,
  size: 304 + 288 + 4096,
} as const;

export const FRAME_SIZE = OFF.size; // 4688
const RECORD = 16;
export const FPSIMD_MAGIC = 0x46508001, FPSIMD_SIZE = 528, ESR_MAGIC = 0x45535201;
/** PSTATE bits user space may set through a frame (valid_user_regs keeps EL0t; we model NZCV). */
const PSTATE_USER = 0xf000_0000n;

export const aarch64: SigFrameArch = {
  minSigStackSize: 5120,
  frameSize: FRAME_SIZE + RECORD + 16,
  // mov x8, #139 (__NR_rt_sigreturn); svc #0
  trampoline: new Uint8Array(new Uint32Array([0xd2801168, 0xd4000001]).buffer),

  setup(f: FrameSetup): bigint {
    const r = new RegView(f.cpu, f.gdb);
    const top = BigInt.asUintN(64, f.spTop);
    const record = (top - BigInt(RECORD)) & ~0xfn;
    const frame = record - BigInt(FRAME_SIZE);
    const at = userAddr(frame);
    const b = new Uint8Array(FRAME_SIZE + RECORD), dv = new DataView(b.buffer);
    const siginfo = (f.flags & SA.SIGINFO) !== 0n;
    if (siginfo) b.set(f.info, OFF.info);
    b.set(f.stack, OFF.ucStack);
    dv.setBigUint64(OFF.ucSigmask, BigInt.asUintN(64, f.mask), true);
    dv.setBigUint64(OFF.faultAddress, BigInt.asUintN(64, f.faultAddress), true);
    for (let n = 0; n < 31; n++) dv.setBigUint64(OFF.regs + 8 * n, r.get(`x${n}`), true);
    dv.setBigUint64(OFF.sp, r.get('sp'), true);
    dv.setBigUint64(OFF.pc, r.get('pc'), true);
    dv.setBigUint64(OFF.pstate, r.get('cpsr'), true);
    let p = OFF.reserved;
    dv.setUint32(p, FPSIMD_MAGIC, true);
    dv.setUint32(p + 4, FPSIMD_SIZE, true);
    dv.setUint32(p + 8, Number(r.get('fpsr')), true);
    dv.setUint32(p + 12, Number(r.get('fpcr')), true);
    for (let n = 0; n < 32; n++) b.set(r.bytes(`v${n}`).subarray(0, 16), p + 16 + 16 * n);
    p += FPSIMD_SIZE; // the null record after it is already zero
    dv.setBigUint64(FRAME_SIZE, r.get('x29'), true);
    dv.setBigUint64(FRAME_SIZE + 8, r.get('x30'), true);
    f.cpu.mem.writeBytes(at, b);
    r.set('x0', BigInt(f.sig));
    r.set('sp', frame);
    r.set('x29', record);
    r.set('pc', f.handler);
    r.set('x30', f.flags & SA.RESTORER ? f.restorer : f.trampoline);
    if (siginfo) {
      r.set('x1', frame + BigInt(OFF.info));
      r.set('x2', frame + BigInt(OFF.uc));
    }
    return frame;
  },

  restore(cpu: Cpu, gdb: GdbArch): SigReturn {
    const r = new RegView(cpu, gdb);
    const sp = r.get('sp');
    if (sp & 0xfn) throw new BadFrame('rt_sigreturn: sp is not 16-byte aligned');
    const at = userAddr(sp);
    const b = readFrame(cpu, at, FRAME_SIZE);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    // parse_user_sigframe: records inside __reserved, 16-aligned sizes, exactly one fpsimd.
    let fpsimd = -1;
    for (let p = OFF.reserved; ;) {
      if (p + 8 > OFF.size) throw new BadFrame('rt_sigreturn: no terminating record');
      const magic = dv.getUint32(p, true), size = dv.getUint32(p + 4, true);
      if (magic === 0) {
        if (size !== 0) throw new BadFrame('rt_sigreturn: bad terminating record');
        break;
      }
      if (size < 8 || size % 16 !== 0 || p + size > OFF.size) throw new BadFrame(`rt_sigreturn: bad record size ${size}`);
      if (magic === FPSIMD_MAGIC) {
        if (fpsimd >= 0 || size !== FPSIMD_SIZE) throw new BadFrame('rt_sigreturn: bad fpsimd record');
        fpsimd = p;
      } else if (magic !== ESR_MAGIC) {
        throw new BadFrame(`rt_sigreturn: unsupported record 0x${magic.toString(16)}`);
      }
      p += size;
    }
    if (fpsimd < 0) throw new BadFrame('rt_sigreturn: no fpsimd record');
    const mask = dv.getBigUint64(OFF.ucSigmask, true);
    for (let n = 0; n < 31; n++) r.set(`x${n}`, dv.getBigUint64(OFF.regs + 8 * n, true));
    r.set('sp', dv.getBigUint64(OFF.sp, true));
    r.set('pc', dv.getBigUint64(OFF.pc, true));
    r.set('cpsr', dv.getBigUint64(OFF.pstate, true) & PSTATE_USER);
    r.set('fpsr', BigInt(dv.getUint32(fpsimd + 8, true)));
    r.set('fpcr', BigInt(dv.getUint32(fpsimd + 12, true)));
    for (let n = 0; n < 32; n++) r.setBytes(`v${n}`, b.slice(fpsimd + 16 + 16 * n, fpsimd + 32 + 16 * n));
    return { mask, stack: decodeStack(b.subarray(OFF.ucStack, OFF.ucStack + 24)), ret: dv.getBigUint64(OFF.regs, true) };
  },
};
