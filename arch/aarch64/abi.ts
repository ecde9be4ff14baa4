/**
 * Linux arm64 syscall convention (arch/arm64/kernel/syscall.c; man 2 syscall): `svc #0` with the
 * number in x8, arguments in x0..x5, the result in x0. Process entry (arch/arm64/include/asm/
 * processor.h start_thread): pc = entry, sp = the initial stack, every other register zero.
 */
import type { Cpu, SyscallAbi } from '../common/cpu';
import type { A64Cpu } from './cpu';

export const abi: SyscallAbi = {
  number: (cpu) => Number(BigInt.asIntN(32, cpu.getReg(8))),
  arg: (cpu, i) => cpu.getReg(i),
  setResult: (cpu, v) => cpu.setReg(0, v),
  setEntry(cpu: Cpu, pc: bigint, sp: bigint): void {
    const st = (cpu as A64Cpu).st;
    st.X.fill(0n);
    st.V32.fill(0);
    st.X[32] = BigInt.asIntN(64, sp);
    st.pc = pc;
    st.nzcv = 0x40000000; // as qemu-aarch64 starts a process (PSTATE.Z set)
    st.fpcr = 0;
    st.fpsr = 0;
    st.exAddr = -1;
  },
  getSp: (cpu) => cpu.getReg(31),
  setSp: (cpu, v) => cpu.setReg(31, v),
  rewindSyscall: (cpu: Cpu) => { cpu.pc -= 4n; },
};
