/**
 * What the gdb stub needs from the thing being debugged. The stub never sees an
 * arch or a CPU: a session (daemon/) implements this for one VM.
 *
 * Conventions:
 * - Registers are numbered as in the target XML (`regnum`, the number gdb uses in
 *   `p`/`P`) and travel as little-endian byte arrays of exactly the register's size.
 * - Signals are Linux signal numbers (the same on riscv64, aarch64, x86_64 and
 *   loongarch64: SIGTRAP 5, SIGSEGV 11, ...). The stub converts to and from GDB's
 *   own signal numbering on the wire.
 * - Thread ids are positive integers (the guest's tids); `pid` is the process id.
 * - All calls except {@link Target.resume} and {@link Target.restart} are made
 *   only while the guest is stopped.
 */

/** Static description of the architecture as gdb sees it. */
export interface ArchDescription {
  /** gdb architecture name, e.g. `riscv:rv64`, `aarch64`, `i386:x86-64`. */
  readonly gdbArch: string;
  /** Target description annexes served by `qXfer:features:read`; `target.xml` first. */
  readonly targetXml: Readonly<Record<string, string>>;
  /**
   * Byte size of each register, indexed by gdb register number; 0 (or a hole)
   * marks a number that is not a register. Its length is the register count.
   */
  readonly regSizes: readonly number[];
  /** Register numbers making up the `g`/`G` packet, in order. */
  readonly gRegs: readonly number[];
}

/** Breakpoint / watchpoint kinds, as `Z0`..`Z4`. */
export type BreakpointType = 'sw' | 'hw' | 'write' | 'read' | 'access';

/** How one thread resumes. Threads not listed stay stopped. */
export interface ThreadAction {
  readonly tid: number;
  readonly step: boolean;
  /** Linux signal to deliver on resume; 0 = none. */
  readonly signal: number;
}

/** Why a thread stopped with a signal (optional detail reported to gdb). */
export type StopReason =
  | { readonly kind: 'swbreak' }
  | { readonly kind: 'hwbreak' }
  | { readonly kind: 'watch'; readonly type: 'write' | 'read' | 'access'; readonly addr: bigint }
  | { readonly kind: 'syscall_entry'; readonly nr: number }
  | { readonly kind: 'syscall_return'; readonly nr: number };

/** Outcome of a resume. */
export type StopEvent =
  /** A thread stopped with a signal (SIGTRAP 5 for breakpoints/steps/syscall stops, SIGINT 2 for {@link Target.interrupt}). */
  | { readonly kind: 'signal'; readonly signal: number; readonly tid: number; readonly reason?: StopReason }
  /** The process exited with this status. */
  | { readonly kind: 'exited'; readonly code: number }
  /** The process was killed by this (Linux) signal. */
  | { readonly kind: 'terminated'; readonly signal: number };

/** What {@link Target.statFile} reports. */
export interface TargetFileStat {
  readonly size: number;
  readonly isDir: boolean;
  /** Permission bits (default 0o755 for directories, 0o644 for files). */
  readonly perm?: number;
  readonly mtimeMs?: number;
  readonly atimeMs?: number;
  readonly ctimeMs?: number;
}

/** A debuggable guest, as the gdb stub sees it. */
export interface Target {
  readonly arch: ArchDescription;
  /** Process id reported to gdb (`p<pid>.<tid>`). */
  readonly pid: number;
  /** Live thread ids; the first is the main thread. Never empty while the process lives. */
  threads(): readonly number[];
  /** Optional display name of a thread (qXfer:threads:read). */
  threadName?(tid: number): string | undefined;

  /** Register `regnum` of thread `tid`, little-endian; null if not readable. */
  readRegister(tid: number, regnum: number): Uint8Array | null;
  /** Write register `regnum` (bytes.length equals its size); false if refused. */
  writeRegister(tid: number, regnum: number, bytes: Uint8Array): boolean;
  /**
   * Read guest memory as the program sees it (breakpoints never show). May return
   * fewer bytes than asked if the range runs into unmapped memory; null if `addr`
   * itself is unmapped.
   */
  readMemory(addr: bigint, length: number): Uint8Array | null;
  /** Write guest memory (also read-only pages, like ptrace); false if unmapped. */
  writeMemory(addr: bigint, data: Uint8Array): boolean;

  /**
   * Insert a breakpoint / watchpoint. `length` is the `Z` packet's kind (instruction
   * length for sw/hw) or the watched byte count. Kept by the target, never written
   * into guest memory: the CPU stops before executing an instruction at a sw/hw
   * breakpoint address (reason swbreak/hwbreak). An access overlapping a watched
   * range stops with reason watch and the exact data address, at the point the
   * arch's hardware would: on riscv64, aarch64 and loongarch64 *before* the
   * accessing instruction completes (pc still at it; gdb's "nonsteppable
   * watchpoints": gdb removes the watchpoint and steps over it itself), on x86_64
   * after it. This holds for the very first instruction of a resume too: gdb
   * itself steps over a breakpoint or watchpoint at the current pc. Returns false if this kind is not supported or
   * resources are exhausted.
   */
  insertBreakpoint(type: BreakpointType, addr: bigint, length: number): boolean;
  /** Remove one; false if it was not there. */
  removeBreakpoint(type: BreakpointType, addr: bigint, length: number): boolean;

  /**
   * Resume threads and settle when the guest stops. A stepping thread stops after
   * one instruction (SIGTRAP, no reason). The first thread to stop stops them all.
   */
  resume(actions: readonly ThreadAction[]): Promise<StopEvent>;
  /** Ctrl-C: make the pending {@link resume} settle (SIGINT) within 100 ms. No-op if stopped. */
  interrupt(): void;

  /** Kill the process (gdb `kill`). */
  kill(): void;
  /** Let the guest run on to its end without the debugger (gdb `detach`). */
  detach(): void;

  /** Linux auxiliary vector bytes (qXfer:auxv:read); absent in machine mode. */
  auxv?(): Uint8Array | null;
  /** Path of the executable (qXfer:exec-file:read). */
  execFile?(): string | null;
  /**
   * Whole contents of a file on the target's own file system (absolute path), for gdb's
   * host I/O (`vFile:open`/`pread`): gdb reads the program (and its debug info) from the
   * target when it was not given a file. null if there is no such regular file.
   */
  readFile?(path: string): Uint8Array | null;
  /** Metadata of a file on the target (`vFile:fstat`/`vFile:stat`); null if absent. */
  statFile?(path: string): TargetFileStat | null;
  /**
   * Start the program again (`vRun`, extended-remote), stopped before its first
   * instruction. `argv` is empty to rerun with the previous arguments.
   */
  restart?(argv: readonly string[]): Promise<void>;
  /** `monitor <cmdline>` (qRcmd): text to show to the user. */
  monitor?(cmdline: string): string | Promise<string>;
  /**
   * Stop at syscall entry and return: null = off, 'all', or a list of syscall numbers.
   * Such stops are SIGTRAP with reason syscall_entry / syscall_return.
   */
  setCatchSyscalls?(which: null | 'all' | readonly number[]): boolean;
}

/** Logger shape (winston's is compatible). */
export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** A logger that drops everything. */
export const nullLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
