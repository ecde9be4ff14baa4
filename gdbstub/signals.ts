/**
 * Linux signal numbers <-> GDB's target-independent signal numbers (gdb
 * include/gdb/signals.def, `enum gdb_signal`), which is what RSP stop replies
 * (`T`, `S`, `X`) and `C`/`S`/`vCont;C` carry. Linux numbering is shared by
 * riscv64, aarch64, x86_64 and loongarch64 (asm-generic/signal.h; x86 agrees).
 */

/** gdb_signal value for GDB_SIGNAL_UNKNOWN. */
const GDB_SIGNAL_UNKNOWN = 143;

/** Index: Linux signal 0..31 -> gdb signal. */
const LINUX_TO_GDB: readonly number[] = [
  0, // 0
  1, // SIGHUP
  2, // SIGINT
  3, // SIGQUIT
  4, // SIGILL
  5, // SIGTRAP
  6, // SIGABRT
  10, // SIGBUS
  8, // SIGFPE
  9, // SIGKILL
  30, // SIGUSR1
  11, // SIGSEGV
  31, // SIGUSR2
  13, // SIGPIPE
  14, // SIGALRM
  15, // SIGTERM
  GDB_SIGNAL_UNKNOWN, // SIGSTKFLT: no gdb equivalent
  20, // SIGCHLD
  19, // SIGCONT
  17, // SIGSTOP
  18, // SIGTSTP
  21, // SIGTTIN
  22, // SIGTTOU
  16, // SIGURG
  24, // SIGXCPU
  25, // SIGXFSZ
  26, // SIGVTALRM
  27, // SIGPROF
  28, // SIGWINCH
  23, // SIGIO
  32, // SIGPWR
  12, // SIGSYS
];

/** Linux signal number -> gdb signal number. */
export function linuxToGdbSignal(sig: number): number {
  if (sig >= 0 && sig < LINUX_TO_GDB.length) return LINUX_TO_GDB[sig]!;
  if (sig === 32) return 77; // GDB_SIGNAL_REALTIME_32
  if (sig >= 33 && sig <= 63) return 45 + (sig - 33); // GDB_SIGNAL_REALTIME_33..63
  if (sig === 64) return 78; // GDB_SIGNAL_REALTIME_64
  return GDB_SIGNAL_UNKNOWN;
}

/** gdb signal number -> Linux signal number (0 if Linux has no such signal). */
export function gdbToLinuxSignal(gsig: number): number {
  const i = LINUX_TO_GDB.indexOf(gsig);
  if (i >= 0 && gsig !== GDB_SIGNAL_UNKNOWN) return i;
  if (gsig === 77) return 32;
  if (gsig >= 45 && gsig <= 75) return 33 + (gsig - 45);
  if (gsig === 78) return 64;
  if (gsig === 33) return 29; // GDB_SIGNAL_POLL is SIGIO on Linux
  return 0;
}
