/**
 * What Linux (as qemu-riscv64 7.2 models it) tells a riscv64 program about the machine.
 * Placement measured with a static and a static-pie test program under qemu-riscv64 7.2
 * (/proc/self/maps): the stack is the first mmap at TASK_UNMAPPED_BASE = 1 << 38 (a 4 KiB guard
 * page, then 8 MiB, top 0x4000801000, initial sp 0x4000800860 for a small argv/envp), the
 * signal trampoline page follows at 0x4000801000, and later mmaps continue upward from
 * 0x4000802000. A static-pie program is itself the first mmap, at 0x4000000000 (its stack then
 * follows it).
 */
import type { ArchSpec } from '../common/cpu';

/** AT_HWCAP letter bits (bit n = letter 'a' + n) for I, M, A, F, D, C, as qemu reports. */
const HWCAP = ['i', 'm', 'a', 'f', 'd', 'c'].reduce((v, l) => v | (1n << BigInt(l.charCodeAt(0) - 97)), 0n);

export const spec: ArchSpec = {
  name: 'riscv64',
  elfMachine: 243, // EM_RISCV
  pageSize: 4096,
  unameMachine: 'riscv64',
  platform: null,
  hwcap: HWCAP, // 0x112d
  hwcap2: null, // Linux 6.1 defines no ELF_HWCAP2 on riscv
  stackTop: 0x4000801000,
  mmapBase: 0x4000802000,
  pieBase: 0x4000000000,
  sigactionRestorer: false, // riscv's struct sigaction has no sa_restorer
};
