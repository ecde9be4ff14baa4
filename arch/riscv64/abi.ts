/**
 * Linux syscall ABI on riscv64 (arch/riscv/kernel/entry.S, RISC-V psABI): ecall with the number
 * in a7 (x17), arguments in a0..a5 (x10..x15), the result in a0. At process entry Linux sets pc
 * and sp and clears every other integer register (start_thread + ELF_PLAT_INIT); the f
 * registers and fcsr start at zero too.
 */
import type { Cpu, SyscallAbi } from '../common/cpu';

const A0 = 10, A7 = 17, SP = 2;

export const abi: SyscallAbi = {
  number: (cpu: Cpu) => Number(cpu.getReg(A7)),
  arg: (cpu: Cpu, i: number) => cpu.getReg(A0 + i),
  setResult: (cpu: Cpu, v: bigint) => cpu.setReg(A0, v),
  setEntry(cpu: Cpu, pc: bigint, sp: bigint) {
    for (let n = 1; n < 32; n++) cpu.setReg(n, 0n);
    cpu.setReg(SP, sp);
    cpu.pc = pc;
  },
  getSp: (cpu: Cpu) => cpu.getReg(SP),
  setSp: (cpu: Cpu, v: bigint) => cpu.setReg(SP, v),
  // ecall has no compressed form: always 4 bytes.
  rewindSyscall: (cpu: Cpu) => { cpu.pc -= 4n; },
};
