/**
 * What Linux on arm64 tells a program about the machine (arch/arm64/include/uapi/asm/hwcap.h,
 * Documentation/arch/arm64/elf_hwcaps.rst), and where qemu-aarch64 7.2 puts the stack (its first
 * mmap at TASK_UNMAPPED_BASE 0x5500000000: a guard page and 8 MiB, so the initial sp sits just
 * below 0x5500801000), mmap areas and static-pie images.
 */
import type { ArchSpec } from '../common/cpu';

/** HWCAP bits this core implements: FP and ASIMD only (no LSE atomics, no CPUID emulation, no CRC32). */
export const HWCAP_FP = 1n << 0n, HWCAP_ASIMD = 1n << 1n;

export const spec: ArchSpec = {
  name: 'aarch64',
  elfMachine: 183, // EM_AARCH64
  pageSize: 4096,
  unameMachine: 'aarch64',
  platform: 'aarch64',
  hwcap: HWCAP_FP | HWCAP_ASIMD,
  hwcap2: 0n,
  stackTop: 0x55_0080_1000,
  mmapBase: 0x55_0080_2000,
  pieBase: 0x55_5555_0000,
  sigactionRestorer: true,
};
