/**
 * Syscall rows (Blink's idea): each carries its name, argument formats for the trace and its
 * arch-neutral handler. Per-arch numbers live in numbers/<arch>.ts; register marshalling in the
 * arch's SyscallAbi. Unknown numbers answer -ENOSYS and warn once.
 */
import type { ArchModule } from '../../arch/common/cpu';
import type { Process } from '../task/process';

/**
 * Argument formats for the trace: d signed int, u unsigned, x hex, p pointer, s C string,
 * f fd, o octal, S signal, b buffer (shown by its address).
 */
export type ArgFormat = 'd' | 'u' | 'x' | 'p' | 's' | 'f' | 'o' | 'S';

/** What handlers may use of the kernel. */
export interface KernelServices {
  readonly arch: ArchModule;
  readonly deterministic: boolean;
  /** Nanoseconds since the Unix epoch (virtual in deterministic mode). */
  realtimeNs(): bigint;
  /** Monotonic nanoseconds since the kernel started (virtual in deterministic mode). */
  monotonicNs(): bigint;
  /** CPU time of the process in nanoseconds (from retired instructions). */
  cpuTimeNs(p: Process): bigint;
  fillRandom(buf: Uint8Array): void;
  readonly uid: number;
  readonly gid: number;
  readonly hostname: string;
  warn(message: string): void;
  /** Ends the process (exit, exit_group, fatal signal). */
  terminate(p: Process, status: Process['status'] & object): void;
}

export interface SyscallCtx { proc: Process; k: KernelServices }

export type Handler = (ctx: SyscallCtx, a: bigint[]) => bigint | Promise<bigint>;

export interface SyscallDef {
  name: string;
  args: ArgFormat[];
  /** Result shown in hex (addresses) rather than decimal. */
  hexResult?: boolean;
  handler: Handler;
}

/** Signed 32-bit view of an argument register (C `int`). */
export function int(a: bigint): number { return Number(BigInt.asIntN(32, a)); }

/** Unsigned 32-bit view (C `unsigned`). */
export function uint(a: bigint): number { return Number(BigInt.asUintN(32, a)); }

/** An address or size as a number; values past 2^53 become Infinity so range checks fail. */
export function num(a: bigint): number {
  const v = BigInt.asUintN(64, a);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(v);
}

/** The -errno result. */
export function err(errno: number): bigint { return BigInt(-errno); }
