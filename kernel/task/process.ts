/** A guest process: its address space, CPU context, files and signal state. */
import type { Cpu } from '../../arch/common/cpu';
import type { AddressSpace } from '../mm/address-space';
import type { OpenFile } from '../fs/file';
import { E, SysError } from '../errno';
import { NSIG } from '../signals';
import { SignalState } from './signal';

export interface SigAction { handler: bigint; flags: bigint; restorer: bigint; mask: bigint }

/** How a process ended. */
export type ExitStatus =
  | { kind: 'exited'; code: number }
  /** `core`: the signal's default action dumps core (wait status bit 0x80; no file is written). */
  | { kind: 'signaled'; signal: number; detail: string; core?: boolean };

export const SIG_DFL = 0n;

export class FdTable {
  private readonly files: Array<OpenFile | null> = [];

  get(fd: number): OpenFile {
    const f = fd >= 0 ? this.files[fd] : undefined;
    if (!f) throw new SysError(E.EBADF);
    return f;
  }

  install(f: OpenFile, at?: number): number {
    let fd = at ?? this.files.findIndex((x) => !x);
    if (fd < 0) fd = this.files.length;
    while (this.files.length <= fd) this.files.push(null);
    this.files[fd] = f;
    return fd;
  }

  close(fd: number): void {
    this.get(fd);
    this.files[fd] = null;
  }
}

export class Process {
  readonly fds = new FdTable();
  readonly sigactions: SigAction[] = Array.from({ length: NSIG + 1 }, () => ({ handler: SIG_DFL, flags: 0n, restorer: 0n, mask: 0n }));
  /** Blocked signals (bit n-1 for signal n). */
  sigmask = 0n;
  /** Pending signals, sigaltstack, rt_sigsuspend's saved mask, the sigreturn trampoline. */
  readonly signals = new SignalState();
  clearChildTid = 0n;
  robustList = 0n;
  status: ExitStatus | null = null;
  /** The auxiliary vector given at exec (gdb reads it with qXfer:auxv:read). */
  auxv: Uint8Array = new Uint8Array(0);

  constructor(
    readonly pid: number,
    readonly ppid: number,
    public as: AddressSpace,
    readonly cpu: Cpu,
    public execPath: string,
  ) {}

  get tid(): number { return this.pid; }
}
