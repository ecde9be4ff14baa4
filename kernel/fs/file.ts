/**
 * Open file descriptions (Linux's `struct file`): what a file descriptor refers to, shared by
 * dup and fork, with its own offset and status flags. An operation that would block answers
 * with the WaitQueue to sleep on instead of a Promise: the syscall layer then parks the task
 * (or answers EAGAIN for O_NONBLOCK) and retries after a wake, so files stay synchronous.
 */
import type { Memory } from '../../arch/common/memory';
import { E, SysError } from '../errno';
import { S_IFCHR, S_IFDIR, S_IFMT, S_IFREG, type DirEntry, type Inode, type Stat } from './inode';
import type { WaitQueue } from '../task/wait';
import { ALWAYS_READY, type Readiness } from './poll';
import type { VNode } from './vfs';
import { MappedFile } from '../mm/mapped-file';
import { releaseDescription } from './locks';

/** open(2) flags (asm-generic/fcntl.h; the same on all four arches). */
export const O = {
  RDONLY: 0, WRONLY: 1, RDWR: 2, ACCMODE: 3, CREAT: 0o100, EXCL: 0o200, NOCTTY: 0o400, TRUNC: 0o1000,
  APPEND: 0o2000, NONBLOCK: 0o4000, DSYNC: 0o10000, ASYNC: 0o20000, DIRECT: 0o40000, LARGEFILE: 0o100000,
  DIRECTORY: 0o200000, NOFOLLOW: 0o400000, NOATIME: 0o1000000, CLOEXEC: 0o2000000, SYNC: 0o4010000,
  PATH: 0o10000000, TMPFILE: 0o20200000,
} as const;

/** Flags F_SETFL may change. */
export const SETFL_MASK = O.APPEND | O.NONBLOCK | O.ASYNC | O.DIRECT | O.NOATIME;

/** "Try again after this queue wakes" (the operation would block). */
export type Blocked = WaitQueue;

export function isBlocked<T>(r: T | Blocked): r is Blocked {
  return typeof r === 'object' && r !== null && 'subscribe' in r;
}

export abstract class OpenFile {
  /** File descriptors (in any table) referring to this description. */
  private refs = 0;
  /** Status flags and access mode (O_*), as F_GETFL shows them. */
  flags: number;

  constructor(flags: number) { this.flags = flags; }

  /** What /proc/self/fd/N links to. */
  abstract readonly name: string;
  abstract stat(): Stat;
  /** The inode behind it, for mmap, fchdir and getdents (null for pipes, sockets, streams). */
  get inode(): Inode | null { return null; }
  /**
   * What fcntl/flock locks on it attach to: its inode, else the description itself (a socket's
   * or a stream's own inode on Linux; pipes share one between their ends, see PipeFile).
   */
  get lockKey(): object { return this.inode ?? this; }
  get isTty(): boolean { return false; }

  get readable(): boolean { return (this.flags & O.ACCMODE) !== O.WRONLY && !(this.flags & O.PATH); }
  get writable(): boolean { return (this.flags & O.ACCMODE) !== O.RDONLY && !(this.flags & O.PATH); }

  read(_buf: Uint8Array): number | Blocked { throw new SysError(E.EINVAL); }
  write(_data: Uint8Array): number | Blocked { throw new SysError(E.EINVAL); }
  pread(_buf: Uint8Array, _offset: number): number { throw new SysError(E.ESPIPE); }
  pwrite(_data: Uint8Array, _offset: number): number { throw new SysError(E.ESPIPE); }
  seek(_offset: number, _whence: number): number { throw new SysError(E.ESPIPE); }
  readdir(): DirEntry[] { throw new SysError(E.ENOTDIR); }
  /** getdents64's position in the listing. */
  dirPos = 0;
  ioctl(_req: number, _arg: number, _mem: Memory): number { throw new SysError(E.ENOTTY); }
  /**
   * One read or write moves one message (a datagram or record): the syscall layer gathers
   * readv/writev's iovecs into a single call, as Linux's ->read_iter/->write_iter files do,
   * instead of one call per iovec (files with plain ->read/->write, such as eventfd).
   */
  get messages(): boolean { return false; }

  /** How long a blocking read or write may wait before EAGAIN, in ns (0: for ever). */
  ioTimeoutNs(_reading: boolean): bigint { return 0n; }

  /** Readiness for poll, select, epoll and blocking I/O (files that never block: always ready). */
  poll(): Readiness { return ALWAYS_READY; }

  /** Some file descriptor (of a live process) still refers to it. */
  get referenced(): boolean { return this.refs > 0; }

  hold(): this { this.refs++; return this; }
  /** Drops one reference; the last one releases the description. */
  put(): void {
    if (--this.refs !== 0) return;
    this.release();
    if (this.releaseHooks) for (const f of [...this.releaseHooks]) f();
  }
  protected release(): void {}

  private releaseHooks: Set<() => void> | null = null;
  /**
   * Calls `f` when the description is released (eventpoll_release: epoll forgets a file with
   * its last reference, not with the close of one descriptor). Returns the unsubscriber.
   */
  onRelease(f: () => void): () => void {
    (this.releaseHooks ??= new Set()).add(f);
    return () => { this.releaseHooks?.delete(f); };
  }
}

export const SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;

/** A file or directory of a file system, opened by path. */
export class InodeFile extends OpenFile {
  private pos = 0;
  private listing: DirEntry[] | null = null;

  private readonly node: Inode;

  constructor(readonly vnode: VNode, flags: number) {
    super(flags);
    this.node = vnode.inode;
    this.node.opened();
  }

  protected override release(): void {
    releaseDescription(this.node, this);
    this.node.released();
  }

  get name(): string { return this.vnode.path(); }
  override get inode(): Inode { return this.node; }
  stat(): Stat { return this.node.stat(); }

  private get type(): number { return this.node.type & S_IFMT; }

  private checkRead(): void {
    if (!this.readable) throw new SysError(E.EBADF);
    if (this.type === S_IFDIR) throw new SysError(E.EISDIR);
  }

  private checkWrite(): void {
    if (!this.writable) throw new SysError(E.EBADF);
  }

  override read(buf: Uint8Array): number {
    this.checkRead();
    const n = this.readAt(buf, this.pos);
    this.pos += n;
    return n;
  }

  override write(data: Uint8Array): number {
    this.checkWrite();
    if (this.flags & O.APPEND) this.pos = this.node.stat().size;
    const n = this.writeAt(data, this.pos);
    this.pos += n;
    return n;
  }

  override pread(buf: Uint8Array, offset: number): number {
    this.checkRead();
    if (this.type !== S_IFREG && this.type !== S_IFCHR) throw new SysError(E.ESPIPE);
    return this.readAt(buf, offset);
  }

  override pwrite(data: Uint8Array, offset: number): number {
    this.checkWrite();
    // Linux quirk kept: pwrite on an O_APPEND file appends.
    return this.writeAt(data, this.flags & O.APPEND ? this.node.stat().size : offset);
  }

  /** Reads and writes stay coherent with shared mappings of the file. */
  private readAt(buf: Uint8Array, offset: number): number {
    const n = this.node.read(offset, buf);
    MappedFile.existing(this.node)?.overlay(offset, buf, n);
    return n;
  }

  private writeAt(data: Uint8Array, offset: number): number {
    const n = this.node.write(offset, data);
    MappedFile.existing(this.node)?.afterWrite(offset, data.subarray(0, n));
    return n;
  }

  override seek(offset: number, whence: number): number {
    let base: number;
    switch (whence) {
      case SEEK_SET: base = 0; break;
      case SEEK_CUR: base = this.pos; break;
      case SEEK_END: base = this.node.stat().size; break;
      case SEEK_DATA: case SEEK_HOLE: {
        // Files have no holes we track: data is everything before the end.
        const size = this.node.stat().size;
        if (offset < 0 || offset >= size) throw new SysError(E.ENXIO);
        return (this.pos = whence === SEEK_DATA ? offset : size);
      }
      default: throw new SysError(E.EINVAL);
    }
    const at = base + offset;
    if (at < 0 || !Number.isSafeInteger(at)) throw new SysError(E.EINVAL);
    if (this.type === S_IFDIR) {
      // A directory offset is a position in its listing (telldir/seekdir cookies).
      this.dirPos = at;
      if (at === 0) this.listing = null;
    }
    return (this.pos = at);
  }

  override readdir(): DirEntry[] {
    if (this.type !== S_IFDIR) throw new SysError(E.ENOTDIR);
    // One snapshot per pass, like a directory read by a stable cursor; rewinding refreshes it.
    if (!this.listing || this.dirPos === 0) this.listing = this.vnode.list();
    return this.listing;
  }
}
