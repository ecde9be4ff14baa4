/**
 * The contract between a CPU core and everything above it (kernel loop, gdb stub, machine
 * boards). A core executes until something needs the outside and says why with a StopReason,
 * like Asterinas OSTD's `UserMode::execute() -> ReturnReason`. The core never performs a syscall.
 */
import type { Access, Memory } from './memory';

export const ARCH_NAMES = ['riscv64', 'aarch64', 'x86_64', 'loongarch64'] as const;
export type ArchName = typeof ARCH_NAMES[number];

export type StopReason =
  /** The guest asked for a system call; pc already points past the syscall instruction. */
  | { kind: 'syscall' }
  /** A memory access the Pager refused; pc points at the faulting instruction. */
  | { kind: 'fault'; addr: bigint; access: Access }
  /** An encoding the core does not implement or that is illegal at this privilege; pc at it. */
  | { kind: 'illegal'; insn: number }
  /** The guest's own breakpoint instruction (ebreak, brk, int3, break): SIGTRAP; pc at it. */
  | { kind: 'trap' }
  /** An arithmetic exception that Linux turns into SIGFPE (x86 #DE); pc at the instruction. */
  | { kind: 'arith' }
  /** pc reached a debugger breakpoint; the instruction there has not executed. */
  | { kind: 'breakpoint' }
  /** The instruction at pc is about to touch a debugger watchpoint; it has not executed. */
  | { kind: 'watchpoint'; addr: bigint; access: Access }
  /** The instruction budget of this run() is spent (run(1) is a single step). */
  | { kind: 'budget' }
  /** Machine mode: the hart waits for an interrupt (wfi / hlt / idle). */
  | { kind: 'halt' };

export type StopKind = StopReason['kind'];

/** Exhaustiveness check for `switch (reason.kind)`. */
export function unreachable(x: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(x)}`);
}

/** One hart / core / vCPU. */
export interface Cpu {
  readonly arch: ArchName;
  readonly mem: Memory;
  /** Program counter (slow path; the core keeps its own fast copy while running). */
  pc: bigint;
  /** Architectural integer register `n` in the arch's own numbering (x0..x31, x0..x30+sp, rax..r15). */
  getReg(n: number): bigint;
  setReg(n: number, v: bigint): void;
  /** Guest instructions retired since creation (exact, as qemu's insn-count plugin counts them). */
  readonly instret: number;
  /** Executes at most `budget` instructions. */
  run(budget: number): StopReason;
  /** Debugger breakpoints: the core stops before executing an instruction at one of these. */
  setBreakpoints(addrs: ReadonlySet<bigint>): void;
  /** Thread pointer as the arch's TLS ABI defines it (tp, TPIDR_EL0, FS base, $tp). */
  tls: bigint;
  /** Copies the whole architectural state (for fork/clone and for signal frames). */
  saveState(): Uint8Array;
  restoreState(state: Uint8Array): void;
}

/** How an arch passes Linux syscalls (the only register marshalling outside arch/). */
export interface SyscallAbi {
  number(cpu: Cpu): number;
  arg(cpu: Cpu, i: number): bigint;
  setResult(cpu: Cpu, v: bigint): void;
  /** Registers at process entry: pc, stack pointer, everything else as the Linux ELF ABI says. */
  setEntry(cpu: Cpu, pc: bigint, sp: bigint): void;
  /** Stack pointer, for signal delivery and clone. */
  getSp(cpu: Cpu): bigint;
  setSp(cpu: Cpu, v: bigint): void;
  /** Moves pc back onto the syscall instruction, to restart the call (-ERESTARTSYS). */
  rewindSyscall(cpu: Cpu): void;
}

/** One register as gdb sees it. */
export interface GdbRegister {
  name: string;
  /** Size in bytes. */
  size: number;
  /** Little-endian bytes of the current value. */
  read(cpu: Cpu): Uint8Array;
  write(cpu: Cpu, bytes: Uint8Array): void;
}

export interface GdbArch {
  /** gdb's `set architecture` name, e.g. riscv:rv64. */
  name: string;
  /** Target description annexes, 'target.xml' first. */
  xml: Record<string, string>;
  /** Indexed by gdb register number. */
  registers: GdbRegister[];
  /** Register numbers that make up the `g` packet, in order. */
  gPacket: number[];
  pcRegister: number;
}

/** What Linux tells a program about the machine. */
export interface ArchSpec {
  name: ArchName;
  /** ELF e_machine. */
  elfMachine: number;
  /** Linux page size (AT_PAGESZ). */
  pageSize: number;
  /** `uname -m`. */
  unameMachine: string;
  /** AT_PLATFORM string, where the arch's Linux provides one. */
  platform: string | null;
  hwcap: bigint;
  /** AT_HWCAP2, or null where the arch's Linux defines no ELF_HWCAP2 (riscv, loongarch). */
  hwcap2: bigint | null;
  /** Initial user stack top (below the arch's TASK_SIZE, as qemu-user places it). */
  stackTop: number;
  /** Default base for mmap allocations growing down. */
  mmapBase: number;
  /** Base for a static-pie (ET_DYN) program. */
  pieBase: number;
  /** Whether the kernel's struct sigaction has sa_restorer (arm64, x86_64: yes; riscv, loongarch: no). */
  sigactionRestorer: boolean;
}

/** What every arch folder exports from its index.ts (the same names everywhere). */
export interface ArchModule {
  spec: ArchSpec;
  createCpu(mem: Memory): Cpu;
  abi: SyscallAbi;
  gdb: GdbArch;
  /** One instruction at `pc`, given its bytes (little-endian word), as text. */
  disasm(insn: number, pc: bigint): string;
}
