/**
 * A file descriptor table (Linux's files_struct): descriptors -> open file descriptions with
 * the per-descriptor close-on-exec flag. Shared between threads (CLONE_FILES), copied by fork.
 */
import { E, SysError } from '../errno';
import type { OpenFile } from './file';
import { releaseRecords } from './locks';

/** RLIMIT_NOFILE's soft limit as a fresh Linux login has it. */
export const NOFILE = 1024;

interface Slot { file: OpenFile; cloexec: boolean }

export class FdTable {
  private readonly slots: Array<Slot | null> = [];

  get(fd: number): OpenFile {
    const s = fd >= 0 ? this.slots[fd] : undefined;
    if (!s) throw new SysError(E.EBADF);
    return s.file;
  }

  has(fd: number): boolean { return fd >= 0 && !!this.slots[fd]; }

  cloexec(fd: number): boolean {
    this.get(fd);
    return this.slots[fd]!.cloexec;
  }

  setCloexec(fd: number, on: boolean): void {
    this.get(fd);
    this.slots[fd]!.cloexec = on;
  }

  /** Installs `file` at the lowest free descriptor >= `min` (EMFILE past the limit). */
  install(file: OpenFile, cloexec = false, min = 0): number {
    let fd = min;
    while (fd < this.slots.length && this.slots[fd]) fd++;
    if (fd >= NOFILE) throw new SysError(E.EMFILE);
    this.put(fd, file, cloexec);
    return fd;
  }

  /** dup2/dup3: puts `file` at exactly `fd`, closing what was there. */
  installAt(fd: number, file: OpenFile, cloexec = false): void {
    if (fd < 0 || fd >= NOFILE) throw new SysError(E.EBADF);
    this.put(fd, file, cloexec);
  }

  private put(fd: number, file: OpenFile, cloexec: boolean): void {
    while (this.slots.length <= fd) this.slots.push(null);
    const old = this.slots[fd];
    this.slots[fd] = { file: file.hold(), cloexec };
    if (old) this.drop(old.file);
  }

  close(fd: number): void {
    const f = this.get(fd);
    this.slots[fd] = null;
    this.drop(f);
  }

  /** filp_close: this table's POSIX record locks on the file go with any of its descriptors. */
  private drop(f: OpenFile): void {
    releaseRecords(f.lockKey, this);
    f.put();
  }

  /** Open descriptors in ascending order (for /proc/self/fd). */
  list(): number[] {
    const out: number[] = [];
    this.slots.forEach((s, i) => { if (s) out.push(i); });
    return out;
  }

  /** fork without CLONE_FILES. */
  clone(): FdTable {
    const t = new FdTable();
    this.slots.forEach((s, i) => { if (s) t.put(i, s.file, s.cloexec); });
    return t;
  }

  /** execve: close-on-exec descriptors go. */
  closeOnExec(): void {
    this.slots.forEach((s, i) => { if (s?.cloexec) this.close(i); });
  }

  /** Process exit: every descriptor goes. */
  closeAll(): void {
    this.slots.forEach((s, i) => { if (s) this.close(i); });
  }
}
