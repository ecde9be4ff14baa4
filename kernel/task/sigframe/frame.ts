/** The contract of the per-arch signal frame modules (kernel/task/sigframe/<arch>.ts). */
import type { Cpu, GdbArch } from '../../../arch/common/cpu';
import { MemFault } from '../../../arch/common/memory';
import type { AltStack } from '../signal';

/** What the arch-neutral delivery code hands to the arch's frame builder. */
export interface FrameSetup {
  cpu: Cpu;
  gdb: GdbArch;
  sig: number;
  /** The 128-byte siginfo_t. */
  info: Uint8Array;
  /** uc_sigmask: the mask rt_sigreturn puts back. */
  mask: bigint;
  /** uc_stack: the 24-byte stack_t (__save_altstack). */
  stack: Uint8Array;
  handler: bigint;
  flags: bigint;
  restorer: bigint;
  /** Top of the stack the frame goes below (sigsp applied: the altstack top or the current sp). */
  spTop: bigint;
  /** Address of the arch's rt_sigreturn trampoline in the process's "[vdso]" page. */
  trampoline: bigint;
  /** The fault address of a SIGSEGV/SIGBUS (arm64's sigcontext.fault_address), else 0. */
  faultAddress: bigint;
}

/** What rt_sigreturn found in the frame besides the registers it restored. */
export interface SigReturn {
  mask: bigint;
  stack: AltStack;
  /** The restored syscall-result register (a0, x0, rax): rt_sigreturn's return value. */
  ret: bigint;
}

/** A frame the guest cannot have been given back (Linux: badframe -> SIGSEGV). */
export class BadFrame extends Error {}

export interface SigFrameArch {
  /** MINSIGSTKSZ of the arch's uapi headers. */
  readonly minSigStackSize: number;
  /** Bytes a frame takes below its stack top, at most (for the altstack overflow check). */
  readonly frameSize: number;
  /** Machine code of the trampoline: rt_sigreturn as a syscall (`li a7,139; ecall`, ...). */
  readonly trampoline: Uint8Array;
  /**
   * Writes the frame below f.spTop and sets the registers for the handler; returns the frame's
   * address. Throws (MemFault, BadFrame) when the frame cannot be written: nothing changed then.
   */
  setup(f: FrameSetup): bigint;
  /** rt_sigreturn: reads the frame at the stack pointer and restores every register. */
  restore(cpu: Cpu, gdb: GdbArch): SigReturn;
}

/** A user address as a number, or BadFrame when it is not one (< 2^47, as every user address). */
export function userAddr(v: bigint): number {
  const u = BigInt.asUintN(64, v);
  if (u >= 1n << 47n) throw new BadFrame(`signal frame address 0x${u.toString(16)} outside user space`);
  return Number(u);
}

/** The `size` bytes of a signal frame at `at`, for rt_sigreturn; BadFrame when unreadable. */
export function readFrame(cpu: Cpu, at: number, size: number): Uint8Array {
  try {
    return cpu.mem.readBytes(at, size);
  } catch (e) {
    if (e instanceof MemFault) throw new BadFrame(`rt_sigreturn: frame at 0x${at.toString(16)} is not readable`);
    throw e;
  }
}
